# WeSAM with the tiny source SAM on a converted dataset, box prompts (model.segmentor.
# prompt_type=poly for polygons). The synthetic benchmark's settings, chosen on its
# validation split: a starting point on real data, not a tuned setting. Record:
# projects/synthetic_benchmark/records/lr_search_p4.md (lr), contrast_weight_p4_val.md.
#   python tools/train.py configs/wesam/wesam_tiny-p4_box_60it_coco.py \
#       --cfg-options train_dataloader.dataset.data_root=data/kvasir/ \
#                     val_dataloader.dataset.data_root=data/kvasir/ \
#                     test_dataloader.dataset.data_root=data/kvasir/
_base_ = [
    '../_base_/models/sam_tiny_p4.py', '../_base_/datasets/real_adapt_test.py',
    '../_base_/datasets/weak_strong_pipeline.py', '../_base_/schedules/schedule_60it.py',
    '../_base_/default_runtime.py'
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
    loss_contrast=dict(type='InstanceContrastLoss', temperature=0.3, loss_weight=0.1))
custom_hooks = [dict(type='TeacherUpdateHook', momentum=None)]
optim_wrapper = dict(optimizer=dict(lr=3e-3))
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=60, save_best=None, max_keep_ckpts=1))
