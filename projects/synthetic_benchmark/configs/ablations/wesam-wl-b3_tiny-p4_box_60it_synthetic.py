# records/wesam_wl_search_plan.md, B3: WeSAM + weak labels, pseudo labels not cut to the box
# (box projection 1).
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(loss_box_projection=dict(loss_weight=1.0), clip_pseudo_labels=False)
