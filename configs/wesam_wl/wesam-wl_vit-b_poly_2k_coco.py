# WeSAM + weak-label losses with coarse polygons: cross-entropy well inside / well
# outside the polygon, the box projection with the polygon's box, pseudo labels cut to
# it; the terms and weights the synthetic benchmark's polygon search chose (box
# projection 1 and the polygon band, no pairwise term).
_base_ = ['./wesam-wl_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='poly'), loss_box_projection=dict(loss_weight=1.0),
             loss_pairwise=None)
