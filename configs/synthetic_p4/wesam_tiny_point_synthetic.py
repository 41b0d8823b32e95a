# WeSAM with point prompts (5 positive + 5 negative points per instance) for the patch-4
# source model: wesam_tiny_box_synthetic.py with the lr and the anchor-loss weight
# chosen on the VALIDATION split with point prompts.
# 1. lr search at the paper's anchor weight 1.0 (select_lr.py --source p4 --prompt point
#    --methods wesam --lrs config --ladder ...; seed 0): 1e-3 60.16, 3e-3 59.25, 1e-2 63.47,
#    3e-2 33.89 (docs/benchmark/lr_search_p4_point.md). That choice (1e-2) gave +3.80 on
#    test over two seeds; a seed-1 check and an ablation on validation then showed the
#    anchor, not the lr, holding WeSAM back with points.
# 2. joint search of the anchor weight {0.1, 0.3, 1.0} and the lr {1e-3, 3e-3, 1e-2},
#    seeds 0 and 1, highest two-seed mean of the mean val mIoU over the three kept domains
#    (Direct 57.23): **0.1 / 1e-3 62.08**, 0.3 / 1e-3 61.33, 1.0 / 1e-2 60.01, 1.0 / 3e-3
#    59.99; below 1.0 the larger lrs collapse (docs/benchmark/anchor_weight_p4_point_val.md).
# 3. 0.1 won at the grid's edge, so the next step, 0.03, was tried the same way (lrs 1e-3,
#    3e-3, two seeds): **0.03 / 1e-3 62.31** > 0.1 / 1e-3 62.08; 0.03 / 3e-3 44.05.
# The benchmark runs it for point prompts (SOURCE_MODELS['p4']['prompt_configs']).
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(segmentor=dict(prompt_type='point'), loss_anchor=dict(loss_weight=0.03))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
