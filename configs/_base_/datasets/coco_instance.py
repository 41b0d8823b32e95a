# COCO-format instance data for prompted SAM. Every dataset converter of
# tools/dataset_converters writes this layout:
#   <data_root>/annotations/instances_adapt.json   (adaptation / training split)
#   <data_root>/annotations/instances_test.json    (held-out test split)
# with image file names relative to <data_root>.
# COCO itself: tools/dataset_converters/coco.py splits val2017 6:1 (see docs/en/datasets.md).
dataset_type = 'SAMInstanceDataset'
data_root = 'data/coco/'
backend_args = None

# Prompts of every kind (box, points, polygon) are computed from the GT masks; the
# model's ``prompt_type`` decides which of them SAM sees.
train_pipeline = [
    dict(type='LoadImageAnyDepth', backend_args=backend_args),  # 8 / 16-bit / float files
    dict(type='LoadSAMAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='SampleInstances', max_instances=40),
    dict(type='GeneratePrompts'),
    dict(type='PackSAMInputs'),
]
test_pipeline = [
    dict(type='LoadImageAnyDepth', backend_args=backend_args),  # 8 / 16-bit / float files
    dict(type='LoadSAMAnnotations', with_bbox=True, with_mask=True),
    dict(type='SampleInstances', max_instances=None),
    # a fixed seed: the same test prompts in every run (seeded per image id)
    dict(type='GeneratePrompts', seed=0),
    dict(type='PackSAMInputs'),
]

train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=None,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_adapt.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_test.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(type='InstanceIoUMetric')
test_evaluator = val_evaluator
