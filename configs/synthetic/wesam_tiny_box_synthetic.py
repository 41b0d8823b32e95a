# WeSAM on the built-in synthetic benchmark: the shipped tiny source SAM adapted to one
# target domain (data/synthetic/<domain>/: adapt / val / test splits), box prompts.
# The demo and tools/analysis_tools/benchmark.py set data_root per domain.
_base_ = [
    '../_base_/models/sam_tiny_synthetic_source.py',
    '../_base_/datasets/coco_instance_weak_strong.py',
    '../_base_/schedules/schedule_adapt_2k.py', '../_base_/default_runtime.py'
]
data_root = 'data/synthetic/fog/'

segmentor = {{_base_.model}}
model = dict(
    _delete_=True,
    type='SelfTrainingTeacher',
    segmentor=segmentor,
    self_training_weight=1.0,
    loss_anchor=dict(type='AnchorLoss', student_weight=0.5, teacher_weight=0.5,
                     loss_weight=1.0),
    loss_contrast=dict(type='InstanceContrastLoss', temperature=0.3, loss_weight=1.0))
custom_hooks = [dict(type='TeacherUpdateHook', momentum=None)]

train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_adapt.json'))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_val.json'))
test_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_test.json'))

# Fixed iteration count and the FINAL weights are evaluated (no best-of-curve).
max_iters = 300
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4))
param_scheduler = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30)]
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=max_iters, save_best=None, max_keep_ckpts=1))
