# records/wesam_wl_search_plan.md, B4: WeSAM + weak labels, box projection weight 3.
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(loss_box_projection=dict(loss_weight=3.0))
