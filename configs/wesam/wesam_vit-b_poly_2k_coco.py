# WeSAM ViT-B on COCO with coarse polygon prompts: the polygon's box plus the polygon
# rasterised as SAM's dense mask prompt ('poly_box' feeds the box only, as the
# reference code did).
_base_ = ['./wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='poly'))
