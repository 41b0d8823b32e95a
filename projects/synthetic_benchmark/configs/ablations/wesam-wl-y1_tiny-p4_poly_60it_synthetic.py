# records/wesam_wl_search_plan.md, Y1: WeSAM + weak labels with polygons at the starting
# values (box projection 1, pairwise 1, polygon band 1, clip to the polygon's box); the
# search ran it as 'wesam_wl' with polygon prompts.
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(segmentor=dict(prompt_type='poly'), loss_box_projection=dict(loss_weight=1.0))
