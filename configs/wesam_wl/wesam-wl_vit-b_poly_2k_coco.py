# WeSAM + weak-label losses with coarse polygons: cross-entropy well inside / well
# outside the polygon, the box terms with the polygon's box, pseudo labels cut to it.
_base_ = ['./wesam-wl_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='poly'))
