# WeSAM ViT-B on COCO with 5 positive + 5 negative point prompts.
_base_ = ['./wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='point'))
