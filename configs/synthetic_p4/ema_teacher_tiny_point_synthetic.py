# EMA teacher with point prompts for the patch-4 source model: ema_teacher_tiny_synthetic.py
# with the lr chosen on the VALIDATION split with point prompts (select_lr.py --source p4
# --prompt point --methods ema_teacher --lrs config --ladder 1e-4 3e-4 1e-3 3e-3 1e-2 3e-2
# 1e-1 --out work_dirs/lr_search_p4_point; seed 0, final weights; mean val mIoU over the
# three kept domains, Direct 57.23): 3e-3 58.11, **1e-2 61.51**, 3e-2 (the box choice)
# 59.04, 1e-1 42.10 (docs/benchmark/lr_search_p4_point.md).
# The benchmark runs it for point prompts (SOURCE_MODELS['p4']['prompt_configs']).
_base_ = ['./ema_teacher_tiny_synthetic.py']
model = dict(segmentor=dict(prompt_type='point'))
optim_wrapper = dict(optimizer=dict(lr=1e-2))
