# records/wesam_wl_search_plan.md, B1: WeSAM + weak labels at the starting values (box
# projection 1, pairwise 1, clip); the search ran it as 'wesam_wl' before B4 was chosen.
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(loss_box_projection=dict(loss_weight=1.0))
