# WeSAM with point prompts: configs/wesam/wesam_tiny-p4_point_60it_coco.py on the synthetic
# data. lr and anchor weight 0.03: records/anchor_weight_p4_point_val.md.
_base_ = ['../../../configs/wesam/wesam_tiny-p4_point_60it_coco.py',
          './_base_/synthetic_data.py']
data_root = {{_base_.synthetic_data_root}}
train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
