# Supervised upper bound on the synthetic benchmark: the tiny source SAM fine-tuned with
# GT masks of the target adapt split (same low-rank parameters as WeSAM).
_base_ = [
    '../_base_/models/sam_tiny_synthetic_source.py', '../_base_/datasets/synthetic_instance.py',
    '../_base_/schedules/schedule_synthetic_300.py', '../_base_/default_runtime.py'
]
model = dict(prompt_type='box')
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=300, save_best=None, max_keep_ckpts=1))
