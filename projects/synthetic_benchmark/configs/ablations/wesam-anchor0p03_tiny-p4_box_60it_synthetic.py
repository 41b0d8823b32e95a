# Ablation of WeSAM (not a benchmark method): anchor weight 0.03.
# Record: records/anchor_weight_p4_point_val.md.
_base_ = ['../wesam_tiny-p4_box_60it_synthetic.py']
model = dict(loss_anchor=dict(loss_weight=0.03))
