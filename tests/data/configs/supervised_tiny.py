# The tests' tiny SAM (configs/_base_/models/sam_tiny.py: patch 8, random init unless a
# test sets a checkpoint), trained supervised on a small COCO-json dataset the tests write.
_base_ = [
    '../../../configs/_base_/models/sam_tiny.py',
    '../../../configs/_base_/datasets/real_adapt_test.py',
    '../../../configs/_base_/schedules/schedule_60it.py',
    '../../../configs/_base_/default_runtime.py'
]
model = dict(trainable=(r'^(?!.*\.lora_)', ))  # every parameter but the low-rank ones
train_dataloader = dict(dataset=dict(ann_file='annotations/instances_train.json'))
val_dataloader = dict(dataset=dict(ann_file='annotations/instances_val.json'))
test_dataloader = dict(dataset=dict(ann_file='annotations/instances_test.json'))
max_iters = 200
train_cfg = dict(max_iters=max_iters, val_interval=100)
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=1e-4))
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20)]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=100, save_best=None, max_keep_ckpts=2))
