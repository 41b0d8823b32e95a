# WeSAM ViT-L for small GPUs: every encoder block checkpointed, and the low-rank branch only
# on the last 12 of the 24 blocks ("late LoRA"): no backward through the first half, whose
# output the anchor and teacher share. Not the paper's method (fewer adapted blocks); its
# cost and accuracy are in docs/en/design.md, "Memory".
_base_ = ['./wesam-lowmem_vit-l_box_2k_coco.py']
model = dict(segmentor=dict(backbone=dict(lora=dict(blocks=list(range(-12, 0))))))
