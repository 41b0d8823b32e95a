# WeSAM: configs/wesam/wesam_tiny-p4_box_60it_coco.py on the synthetic data.
# lr: records/lr_search_p4.md; contrastive weight 0.1: records/contrast_weight_p4_val.md.
_base_ = ['../../../configs/wesam/wesam_tiny-p4_box_60it_coco.py', './_base_/synthetic_data.py']
data_root = {{_base_.synthetic_data_root}}
train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
