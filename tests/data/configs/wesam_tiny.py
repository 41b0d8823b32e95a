# The tests' tiny WeSAM: configs/wesam/wesam_tiny-p4_box_60it_coco.py's method (anchor,
# contrast at the paper's weight 1.0, shared teacher) on the tests' patch-8 tiny SAM.
_base_ = [
    '../../../configs/_base_/models/sam_tiny.py',
    '../../../configs/_base_/datasets/real_adapt_test.py',
    '../../../configs/_base_/datasets/weak_strong_pipeline.py',
    '../../../configs/_base_/schedules/schedule_60it.py',
    '../../../configs/_base_/default_runtime.py'
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.weak_strong_train_pipeline}}))
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
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=300, save_best=None, max_keep_ckpts=1))
