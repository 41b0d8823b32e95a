# Ablation of WeSAM (not a benchmark method): no contrastive loss.
# Record: docs/notes/ablation_p4_val.md.
_base_ = ['../wesam_tiny-p4_box_60it_synthetic.py']
model = dict(loss_contrast=None)
