# records/wesam_wl_search_plan.md, Y3: WeSAM + weak labels with polygons, without the pairwise term.
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(segmentor=dict(prompt_type='poly'), loss_box_projection=dict(loss_weight=1.0),
             loss_pairwise=None)
