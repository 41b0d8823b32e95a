# WeSAM + weak-label losses (configs/wesam_wl/wesam-wl_tiny-p4_box_60it_coco.py) on the
# synthetic data: an extension of WeSAM, run as the ablation 'wesam_wl'. Its weights are
# the starting point of the search in records/wesam_wl_search_plan.md.
_base_ = ['../../../configs/wesam_wl/wesam-wl_tiny-p4_box_60it_coco.py',
          './_base_/synthetic_data.py']
data_root = {{_base_.synthetic_data_root}}
train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
