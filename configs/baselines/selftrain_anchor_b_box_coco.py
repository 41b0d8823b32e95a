# Ablation: self-training + anchor regularisation (no contrastive term).
_base_ = ['../wesam/wesam_b_box_coco.py']
model = dict(loss_contrast=None)
