# WeSAM ViT-L with every encoder block checkpointed (recomputed in backward instead of
# kept): the same gradients, less memory, more time (docs/en/design.md, "Memory").
_base_ = ['./wesam_vit-l_box_2k_coco.py']
model = dict(segmentor=dict(backbone=dict(checkpoint_blocks=True)))
