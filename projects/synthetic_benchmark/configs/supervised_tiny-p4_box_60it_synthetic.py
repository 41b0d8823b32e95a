# Supervised upper bound: the source model fine-tuned with the GT masks of the target
# adapt split (the same low-rank parameters and schedule as the adaptation methods).
_base_ = ['./direct_tiny-p4_box_synthetic.py']
optim_wrapper = dict(optimizer=dict(lr=1e-3))
