# Direct: the project's tiny source SAM (checkpoints/sam_tiny_synthetic_source.pth) on any
# COCO-format dataset (<data_root>/annotations/instances_test.json), box prompts; the
# baseline for configs/wesam/wesam_tiny_box_coco.py.
#   python tools/test.py configs/sam/sam_tiny_direct_coco.py \
#       checkpoints/sam_tiny_synthetic_source.pth \
#       --cfg-options test_dataloader.dataset.data_root=data/kvasir/
_base_ = ['../synthetic/direct_tiny_synthetic.py', '../_base_/datasets/real_adapt_test.py']
data_root = {{_base_.real_data_root}}
train_dataloader = {{_base_.real_train_dataloader}}
val_dataloader = {{_base_.real_val_dataloader}}
test_dataloader = val_dataloader
