# records/wesam_wl_search_plan.md, B2: WeSAM + weak labels without the pairwise term.
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(loss_pairwise=None)
