# The source model (checkpoints/sam_tiny_synthetic_source_p4.pth): the tiny SAM trained,
# supervised, on the clean source domain with box / point / poly prompts drawn per image
# (half boxes). It starts from the retired patch-8 model moved to the patch-4 grid
# (checkpoints/sam_tiny_synthetic_source_p8.pth of this project, by
# tools/model_converters/refine_sam_grid.py). Record: ../../README.md "Source model".
_base_ = [
    '../../../../configs/_base_/models/sam_tiny_p4.py',
    '../../../../configs/_base_/datasets/real_adapt_test.py',
    '../../../../configs/_base_/default_runtime.py'
]
data_root = 'data/synthetic/source/'
model = dict(
    backbone=dict(lora=None),  # the source model has no low-rank branch
    trainable=(r'^(?!.*\.lora_)', ),
    prompt_type=('box', 'box', 'point', 'poly'),
    test_prompt_type='box',
    loss_resolution='image',
    init_cfg=dict(checkpoint='work_dirs/source_tiny_p4/init.pth'))
train_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_train.json'))
val_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='annotations/instances_val.json'))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='annotations/instances_test.json'))
max_iters = 800
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=200)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', T_max=max_iters - 50, eta_min=1e-5, by_epoch=False,
         begin=50, end=max_iters),
]
default_hooks = dict(logger=dict(interval=25),
                     checkpoint=dict(interval=200, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0)
