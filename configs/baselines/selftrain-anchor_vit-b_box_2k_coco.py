# Ablation: self-training + anchor regularisation (no contrastive term).
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(loss_contrast=None)
