# WeSAM ViT-L with every encoder block checkpointed (recomputed in backward instead of
# kept): the same gradients, less memory, more time (docs/en/design.md, "Memory").
_base_ = ['./wesam_vit-l_box_2k_coco.py']
# The attention kernel's output is kept (selective checkpointing): the costliest op of a
# global block is not run twice; checkpoint_policy='all' recomputes it too, for less memory.
model = dict(segmentor=dict(backbone=dict(checkpoint_blocks=True,
                                          checkpoint_policy='keep_attention')))
