# Mean-Teacher baseline: an EMA teacher, the self-training loss only.
# lr: records/lr_search_p4.md.
_base_ = ['./wesam_tiny-p4_box_60it_synthetic.py']
model = dict(ema_teacher=True, loss_anchor=None, loss_contrast=None)
custom_hooks = [dict(type='TeacherUpdateHook', momentum=0.01)]
optim_wrapper = dict(optimizer=dict(lr=3e-2))
