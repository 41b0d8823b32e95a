# configs/wesam/wesam_tiny_box_coco.py with the patch-4 tiny source SAM
# (checkpoints/sam_tiny_synthetic_source_p4.pth; 4-6x the compute per image of the
# patch-8 model) and the benchmark's patch-4 schedule (60 iterations, batch 4;
# ../_base_/sam_tiny_p4_variant.py) and lr (3e-3, chosen on the synthetic validation
# split: ../synthetic_p4/wesam_tiny_box_synthetic.py), on any COCO-format dataset:
#   python tools/train.py configs/wesam/wesam_tiny_p4_box_coco.py \
#       --work-dir work_dirs/tiny_p4_kvasir \
#       --cfg-options train_dataloader.dataset.data_root=data/kvasir/ \
#                     val_dataloader.dataset.data_root=data/kvasir/ \
#                     test_dataloader.dataset.data_root=data/kvasir/
# Direct on the same data: configs/sam/sam_tiny_p4_direct_coco.py.
_base_ = ['./wesam_tiny_box_coco.py', '../_base_/sam_tiny_p4_variant.py']
model = dict(segmentor={{_base_.p4_segmentor}})
train_cfg = {{_base_.p4_train_cfg}}
param_scheduler = {{_base_.p4_param_scheduler}}
default_hooks = {{_base_.p4_default_hooks}}
optim_wrapper = dict(optimizer=dict(lr=3e-3))
