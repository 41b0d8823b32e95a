# The tiny source SAM's adaptation schedule (batch 4): Adam, weight decay 1e-4, a FIXED 60
# iterations (10% linear warm-up) whose final weights are evaluated. The lr is the
# method config's.
max_iters = 60
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=max_iters // 10)]
# The lr of the method configs is for a total batch of 4 (one process, batch 4).
# tools/train.py --auto-scale-lr scales it linearly to processes x batch_size.
auto_scale_lr = dict(enable=False, base_batch_size=4)
