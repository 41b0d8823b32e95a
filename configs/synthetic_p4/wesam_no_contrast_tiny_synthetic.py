# Ablation (not a benchmark method): WeSAM on the patch-4 source model without the
# instance contrastive loss; everything else, lr included, is
# wesam_tiny_box_synthetic.py's (see wesam_no_anchor_tiny_synthetic.py).
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(loss_contrast=None)
