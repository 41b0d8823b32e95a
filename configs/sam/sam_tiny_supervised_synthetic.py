# Supervised training of the tiny SAM on generated data (tests, the source model).
# The data: python tools/dataset_converters/make_synthetic.py (docs/datasets.md).
_base_ = [
    '../_base_/models/sam_tiny.py', '../_base_/datasets/synthetic_instance.py',
    '../_base_/schedules/schedule_adapt_2k.py', '../_base_/default_runtime.py'
]
data_root = 'data/synthetic/source/'
model = dict(trainable=(r'^(?!.*\.lora_)', ))  # every parameter but the low-rank ones
train_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='annotations/instances_train.json'))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))

max_iters = 200
train_cfg = dict(max_iters=max_iters, val_interval=100)
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=1e-4))
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20)]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=100, save_best=None, max_keep_ckpts=2))
