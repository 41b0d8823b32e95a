# Ablation: self-training only (no anchor, no contrastive term).
_base_ = ['../wesam/wesam_b_box_coco.py']
model = dict(loss_anchor=None, loss_contrast=None)
