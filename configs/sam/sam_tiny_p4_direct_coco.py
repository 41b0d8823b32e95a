# Direct with the patch-4 tiny source SAM (checkpoints/sam_tiny_synthetic_source_p4.pth,
# source test box mIoU 92.4; the benchmark's default source model) on any COCO-format
# dataset, box prompts; the baseline for configs/wesam/wesam_tiny_p4_box_coco.py.
#   python tools/test.py configs/sam/sam_tiny_p4_direct_coco.py \
#       checkpoints/sam_tiny_synthetic_source_p4.pth \
#       --cfg-options test_dataloader.dataset.data_root=data/kvasir/
_base_ = ['../synthetic_p4/direct_tiny_synthetic.py', '../_base_/datasets/real_adapt_test.py']
data_root = {{_base_.real_data_root}}
train_dataloader = {{_base_.real_train_dataloader}}
val_dataloader = {{_base_.real_val_dataloader}}
test_dataloader = val_dataloader
