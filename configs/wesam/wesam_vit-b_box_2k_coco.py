# WeSAM (CVPR 2024): adapt SAM ViT-B to COCO with box prompts, source-free.
#   python tools/train.py configs/wesam/wesam_vit-b_box_2k_coco.py
# needs checkpoints/sam_vit_b_01ec64.pth and data/coco (README.md; docs/en/datasets.md).
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/datasets/coco_instance.py',
    '../_base_/datasets/weak_strong_pipeline.py', '../_base_/schedules/schedule_adapt_2k.py',
    '../_base_/default_runtime.py'
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.weak_strong_train_pipeline}}))
segmentor = {{_base_.model}}
model = dict(
    _delete_=True,
    type='SelfTrainingTeacher',
    segmentor=segmentor,
    self_training_weight=1.0,  # 20 x focal + dice + IoU MSE, against teacher > 0
    loss_anchor=dict(type='AnchorLoss', student_weight=0.5, teacher_weight=0.5,
                     loss_weight=1.0),
    loss_contrast=dict(type='InstanceContrastLoss', temperature=0.3, loss_weight=1.0))
custom_hooks = [dict(type='TeacherUpdateHook', momentum=None)]  # shared weights
