# Which parts to tune: the encoder's LayerNorms only.
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(backbone=dict(lora=None),
                            trainable=(r'^backbone\.blocks\.\d+\.norm[12]\.', )))
