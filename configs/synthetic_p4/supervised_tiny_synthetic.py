# ../synthetic/supervised_tiny_synthetic.py with the patch-4 source model and its schedule
# (../_base_/sam_tiny_p4_variant.py).
_base_ = ['../synthetic/supervised_tiny_synthetic.py', '../_base_/sam_tiny_p4_variant.py']
model = {{_base_.p4_segmentor}}
train_cfg = {{_base_.p4_train_cfg}}
param_scheduler = {{_base_.p4_param_scheduler}}
default_hooks = {{_base_.p4_default_hooks}}
