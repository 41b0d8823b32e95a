# Loss-weight search (not a benchmark method): WeSAM on the patch-4 source model with the
# paper's contrastive weight 1.0 instead of the validation-chosen 0.1; everything else,
# lr included, is wesam_tiny_box_synthetic.py's. The search's 1.0 row is this config
# (it was WeSAM's own config when the search ran).
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(loss_contrast=dict(loss_weight=1.0))
