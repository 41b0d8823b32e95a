# Self-training only: WeSAM without the anchor and contrastive terms.
# lr: records/lr_search_p4.md (point prompts chose the same: records/lr_search_p4_point.md).
_base_ = ['./wesam_tiny-p4_box_60it_synthetic.py']
model = dict(loss_anchor=None, loss_contrast=None)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
