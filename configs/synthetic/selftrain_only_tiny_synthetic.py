# Ablation on the synthetic benchmark: self-training only (no anchor, no contrast).
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(loss_anchor=None, loss_contrast=None)
