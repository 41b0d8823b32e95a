# The tests' tiny WeSAM with a pipeline that draws no random numbers (no flip, a fixed
# photometric change for the strong view), so that each image's views are the same
# however the batch is split over processes: the 2-process test compares DDP with one
# process on the same global batch. RankConsistencyHook checks the ranks after training.
_base_ = ['./wesam_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageAnyDepth'),
    dict(type='LoadSAMAnnotations', with_bbox=True, with_mask=True),
    dict(type='SampleInstances', max_instances=40),
    dict(type='GeneratePrompts'),
    dict(type='MultiBranch', branch_field=['weak', 'strong'],
         weak=[dict(type='PackSAMInputs')],
         strong=[dict(type='Brightness', prob=1.0, level=8), dict(type='PackSAMInputs')]),
]))
custom_hooks = [dict(type='TeacherUpdateHook', momentum=None),
                dict(type='RankConsistencyHook')]
