# Direct evaluation of the source SAM ViT-B with box prompts (no adaptation):
#   python tools/test.py configs/sam/direct_vit-b_box_coco.py checkpoints/sam_vit_b_01ec64.pth
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/schedule_adapt_2k.py', '../_base_/default_runtime.py'
]
model = dict(prompt_type='box')
