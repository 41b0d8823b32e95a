# Mean-Teacher baseline on the synthetic benchmark (EMA teacher, self-training loss).
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(ema_teacher=True, loss_anchor=None, loss_contrast=None)
custom_hooks = [dict(type='TeacherUpdateHook', momentum=0.01)]
