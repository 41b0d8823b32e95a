# WeSAM with "late LoRA" (not a benchmark method): the low-rank branch only on the last 3
# of the tiny encoder's 6 blocks, as configs/wesam/wesam-lowmem-late_* do for ViT-B/L/H
# (their last half). Record: docs/notes/late_lora_box_seed0.md.
_base_ = ['../wesam_tiny-p4_box_60it_synthetic.py']
model = dict(segmentor=dict(backbone=dict(lora=dict(blocks=[3, 4, 5]))))
