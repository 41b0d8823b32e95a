# The reference schedule of WeSAM: Adam, lr 1e-4, weight decay 1e-4, 250 iterations of
# linear warm-up, batch 1 per GPU.
max_iters = 2000
val_interval = 500
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=250),
]
# The lr above is for a total batch of 1 (the reference: batch 1 on one GPU).
# tools/train.py --auto-scale-lr scales it linearly to GPUs x batch_size (off by default).
auto_scale_lr = dict(enable=False, base_batch_size=1)
