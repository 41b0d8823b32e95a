# records/wesam_wl_search_plan.md, Y2: WeSAM + weak labels with polygons, the polygon term only
# (pseudo labels still cut to the polygon's box).
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(segmentor=dict(prompt_type='poly'), loss_box_projection=None, loss_pairwise=None)
