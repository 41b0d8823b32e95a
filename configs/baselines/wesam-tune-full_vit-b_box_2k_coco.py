# Which parts to tune: everything (full fine-tune; the anchor keeps a full frozen copy).
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(backbone=dict(lora=None), trainable=None))
