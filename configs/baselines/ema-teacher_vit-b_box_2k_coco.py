# Mean-Teacher baseline: a separate EMA teacher makes the pseudo labels; self-training
# loss only.
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(ema_teacher=True, loss_anchor=None, loss_contrast=None)
custom_hooks = [dict(type='TeacherUpdateHook', momentum=0.01)]
