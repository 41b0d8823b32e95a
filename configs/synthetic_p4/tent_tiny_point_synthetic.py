# TENT with point prompts for the patch-4 source model: tent_tiny_synthetic.py with the lr
# chosen on the VALIDATION split with point prompts (select_lr.py --source p4 --prompt
# point --methods tent --lrs config --ladder 1e-4 3e-4 1e-3 3e-3 1e-2 3e-2 1e-1 --out
# work_dirs/lr_search_p4_point; seed 0, final weights; mean val mIoU over the three kept
# domains, Direct 57.23): **1e-4 57.01**, 3e-4 56.51, 1e-3 (the box choice) 54.51,
# 3e-3 47.32 (docs/benchmark/lr_search_p4_point.md). No lr on the ladder beats Direct:
# the smallest step is the one that harms least.
# The benchmark runs it for point prompts (SOURCE_MODELS['p4']['prompt_configs']).
_base_ = ['./tent_tiny_synthetic.py']
model = dict(segmentor=dict(prompt_type='point'))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
