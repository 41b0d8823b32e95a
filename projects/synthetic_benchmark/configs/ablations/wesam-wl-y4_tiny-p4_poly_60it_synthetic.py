# records/wesam_wl_search_plan.md, Y4: WeSAM + weak labels with polygons, polygon weight 3.
_base_ = ['../wesam-wl_tiny-p4_box_60it_synthetic.py']
model = dict(segmentor=dict(prompt_type='poly'), loss_box_projection=dict(loss_weight=1.0),
             loss_polygon=dict(loss_weight=3.0))
