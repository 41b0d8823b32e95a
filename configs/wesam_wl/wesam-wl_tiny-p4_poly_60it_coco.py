# wesam-wl_tiny-p4_box_60it_coco.py with coarse-polygon prompts: the polygon search's
# choice (Y3 of projects/synthetic_benchmark/records/wesam_wl_search.md: box projection 1
# and the polygon band, no pairwise term).
_base_ = ['./wesam-wl_tiny-p4_box_60it_coco.py']
model = dict(segmentor=dict(prompt_type='poly'), loss_box_projection=dict(loss_weight=1.0),
             loss_pairwise=None)
