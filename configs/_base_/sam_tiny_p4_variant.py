# The patch-4 variant of the synthetic benchmark (configs/synthetic_p4/): what changes
# when a method config of configs/synthetic/ runs the patch-4 source model
# (checkpoints/sam_tiny_synthetic_source_p4.pth, source test box mIoU 92.4) instead of
# the patch-8 one. Variables only; each configs/synthetic_p4/ file merges them in.
p4_segmentor = dict(
    backbone=dict(patch_size=4, window_size=16),
    head=dict(image_embedding_size=32),
    init_cfg=dict(checkpoint='checkpoints/sam_tiny_synthetic_source_p4.pth'))
# A patch-4 iteration costs 5.5x a patch-8 one (1024 instead of 256 tokens; 3.0 s for a
# WeSAM step, batch 4, 2 cores), so the fixed schedule is 60 iterations instead of 300:
# the most that lets the demo adapt four domains within its 20-minute budget. Set by the
# budget before any run with this model, not tuned; the warm-up keeps its 10% share.
p4_iters = 60
p4_train_cfg = dict(max_iters=p4_iters, val_interval=p4_iters)
p4_param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=p4_iters // 10)]
p4_default_hooks = dict(checkpoint=dict(interval=p4_iters))
