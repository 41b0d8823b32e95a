# WeSAM + weak-label losses (configs/wesam_wl/wesam-wl_tiny-p4_box_60it_coco.py) on the
# synthetic data: an extension of WeSAM, the benchmark's 'wesam_wl', with the weights its
# box-prompt validation search chose (records/wesam_wl_search.md).
_base_ = ['../../../configs/wesam_wl/wesam-wl_tiny-p4_box_60it_coco.py',
          './_base_/synthetic_data.py', './_base_/guard_watch.py']
data_root = {{_base_.synthetic_data_root}}
train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
custom_hooks = {{_base_.guard_watch_hooks}}
