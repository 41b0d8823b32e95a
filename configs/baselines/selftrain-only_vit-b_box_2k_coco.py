# Ablation: self-training only (no anchor, no contrastive term).
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(loss_anchor=None, loss_contrast=None)
