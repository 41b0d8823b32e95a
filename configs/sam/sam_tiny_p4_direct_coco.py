# Direct with the patch-4 tiny source SAM (checkpoints/sam_tiny_synthetic_source_p4.pth,
# source test box mIoU 92.4; the benchmark's default source model) on any COCO-format
# dataset, box prompts; the baseline for configs/wesam/wesam_tiny_p4_box_coco.py.
#   python tools/test.py configs/sam/sam_tiny_p4_direct_coco.py \
#       checkpoints/sam_tiny_synthetic_source_p4.pth \
#       --cfg-options test_dataloader.dataset.data_root=data/kvasir/
_base_ = ['./sam_tiny_direct_coco.py', '../_base_/sam_tiny_p4_variant.py']
model = {{_base_.p4_segmentor}}
