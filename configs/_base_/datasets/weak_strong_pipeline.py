# Weak / strong views for self-training (WeSAM, its ablations, EMA teacher). This file
# only defines pipelines, so it combines with any dataset base; a config then sets
#   train_dataloader = dict(dataset=dict(pipeline={{_base_.weak_strong_train_pipeline}}))
# Geometry (flips) happens BEFORE the branching, so both views and their prompts stay
# aligned; the strong view adds photometric changes only.
color_space = [
    [dict(type='ColorTransform')],
    [dict(type='AutoContrast')],
    [dict(type='Equalize')],
    [dict(type='Sharpness')],
    [dict(type='Posterize')],
    [dict(type='Solarize')],
    [dict(type='Contrast')],
    [dict(type='Brightness')],
]
weak_pipeline = [dict(type='PackSAMInputs')]
strong_pipeline = [
    dict(type='RandAugment', aug_space=color_space, aug_num=2),
    dict(type='RandomShadow', prob=0.5),
    dict(type='PackSAMInputs'),
]
weak_strong_train_pipeline = [
    dict(type='LoadImageAnyDepth'),
    dict(type='LoadSAMAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=[0.25, 0.25], direction=['horizontal', 'vertical']),
    dict(type='SampleInstances', max_instances=40),
    dict(type='GeneratePrompts'),
    dict(type='MultiBranch', branch_field=['weak', 'strong'], weak=weak_pipeline,
         strong=strong_pipeline),
]
