# ../synthetic/ema_teacher_tiny_synthetic.py with the patch-4 source model and its schedule
# (../_base_/sam_tiny_p4_variant.py).
_base_ = ['../synthetic/ema_teacher_tiny_synthetic.py', '../_base_/sam_tiny_p4_variant.py']
model = dict(segmentor={{_base_.p4_segmentor}})
train_cfg = {{_base_.p4_train_cfg}}
param_scheduler = {{_base_.p4_param_scheduler}}
default_hooks = {{_base_.p4_default_hooks}}
# lr chosen on the VALIDATION split for this model and schedule (select_lr.py --source p4
# --methods ema_teacher --lrs config --ladder 1e-4 3e-4 1e-3 3e-3 1e-2 3e-2 1e-1; seed 0,
# box, final weights; mean val mIoU over the three kept domains, Direct 61.68):
# 3e-4 61.75, 1e-3 62.08, 3e-3 62.60, 1e-2 65.24, **3e-2 65.86**, 1e-1 52.00
# (docs/benchmark/lr_search_p4.md). The teacher follows the student at momentum 0.01, so
# in 60 steps only a large student step moves the pseudo labels; at 3e-2 camouflage
# already falls below Direct (53.37) while medical gains most (66.49): the highest mean wins.
optim_wrapper = dict(optimizer=dict(lr=3e-2))
