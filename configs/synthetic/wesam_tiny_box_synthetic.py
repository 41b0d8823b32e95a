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
# lr chosen on the validation split with the stage-2 source model (not re-run for the
# shipped stage-3 model), box prompts, seed 0, grid {1e-4, 1e-3}
# (tools/analysis_tools/select_lr.py; mean val mIoU over the four kept domains,
# Direct 56.87): 1e-4 57.13, 1e-3 60.30. The paper's 1e-4 is for ViT-B and far longer
# schedules; here it barely moves the LoRA weights in 300 iterations.
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_dataloader = dict(dataset=dict(pipeline={{_base_.weak_strong_train_pipeline}}))
