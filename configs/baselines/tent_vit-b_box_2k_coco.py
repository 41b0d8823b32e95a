# TENT: entropy minimisation of the prompted masks, adapting the encoder's LayerNorms.
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/schedule_adapt_2k.py', '../_base_/default_runtime.py'
]
segmentor = {{_base_.model}}
model = dict(
    _delete_=True,
    type='EntropyMinimization',
    segmentor=segmentor,
    trainable=(r'^backbone\.blocks\.\d+\.norm[12]\.', ))
