# Ablation of WeSAM (not a benchmark method): the paper's contrastive weight 1.0.
# Record: records/contrast_weight_p4_val.md.
_base_ = ['../wesam_tiny-p4_box_60it_synthetic.py']
model = dict(loss_contrast=dict(loss_weight=1.0))
