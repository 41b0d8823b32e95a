# WeSAM on the built-in synthetic benchmark: the shipped tiny source SAM adapted to one
# target domain (data/synthetic/<domain>/: adapt / val / test splits), box prompts.
# Data, schedule and source weights are those of supervised_tiny_synthetic.py; the demo
# and tools/analysis_tools/benchmark.py set data_root and prompt type per run.
_base_ = ['./supervised_tiny_synthetic.py', '../_base_/datasets/weak_strong_pipeline.py']
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
optim_wrapper = dict(optimizer=dict(lr=1e-4))  # WeSAM's lr (1e-3 makes pseudo labels swing)
train_dataloader = dict(dataset=dict(pipeline={{_base_.weak_strong_train_pipeline}}))
