# Which parts to tune: everything (full fine-tune; the anchor keeps a full frozen copy).
_base_ = ['../wesam/wesam_b_box_coco.py']
model = dict(segmentor=dict(backbone=dict(lora=None), trainable=None))
