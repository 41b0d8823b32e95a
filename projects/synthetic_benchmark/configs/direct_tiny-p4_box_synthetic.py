# Direct: the source model on a target domain, no adaptation.
# configs/sam/direct_tiny-p4_box_coco.py on the synthetic data.
_base_ = ['../../../configs/sam/direct_tiny-p4_box_coco.py', './_base_/synthetic_data.py']
data_root = {{_base_.synthetic_data_root}}
train_dataloader = {{_base_.synthetic_train_dataloader}}
val_dataloader = {{_base_.synthetic_val_dataloader}}
test_dataloader = {{_base_.synthetic_test_dataloader}}
