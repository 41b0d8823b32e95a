# Supervised fine-tuning with GT masks (the paper's upper bound), same low-rank
# parameters as WeSAM, box prompts.
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/schedule_adapt_2k.py', '../_base_/default_runtime.py'
]
model = dict(prompt_type='box')
