# WeSAM + weak-label losses with point prompts: cross-entropy at the labelled points
# (the box terms and clipping need a box and stay off).
_base_ = ['./wesam-wl_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='point'))
