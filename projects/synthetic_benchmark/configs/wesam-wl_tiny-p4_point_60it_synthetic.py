# wesam-wl_tiny-p4_box_60it_synthetic.py with point prompts, on WeSAM's point lr and
# anchor weight and the point search's choice
# (configs/wesam_wl/wesam-wl_tiny-p4_point_60it_coco.py).
_base_ = ['../../../configs/wesam_wl/wesam-wl_tiny-p4_point_60it_coco.py',
          './_base_/synthetic_data.py', './_base_/guard_watch.py']
data_root = {{_base_.synthetic_data_root}}
train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
custom_hooks = {{_base_.guard_watch_hooks}}
