# records/wesam_wl_search_plan.md, B2: WeSAM + weak labels without the pairwise term
# (box projection 1).
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(loss_box_projection=dict(loss_weight=1.0), loss_pairwise=None)
