# Which parts to tune: the mask decoder only (the anchor keeps a frozen decoder copy).
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(backbone=dict(lora=None), trainable=(r'^head\.mask_decoder\.', )))
