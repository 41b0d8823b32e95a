# records/wesam_wl_search_plan.md, B3: WeSAM + weak labels, pseudo labels not cut to the box.
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(clip_pseudo_labels=False)
