# Adaptation schedule of the synthetic benchmark (tiny SAM, batch 4): WeSAM's Adam
# lr 1e-4 / weight decay 1e-4 with a 30-iteration warm-up, a FIXED 300 iterations whose
# final weights are evaluated.
max_iters = 300
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4),
    clip_grad=None)
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30)]
