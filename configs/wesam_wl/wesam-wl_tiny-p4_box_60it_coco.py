# WeSAM + weak-label losses with the tiny source SAM on a converted dataset (CPU-sized),
# box prompts; configs/wesam/wesam_tiny-p4_box_60it_coco.py plus the weak-label terms.
#   python tools/train.py configs/wesam_wl/wesam-wl_tiny-p4_box_60it_coco.py \
#       --cfg-options train_dataloader.dataset.data_root=data/kvasir/ \
#                     val_dataloader.dataset.data_root=data/kvasir/ \
#                     test_dataloader.dataset.data_root=data/kvasir/
# The terms and their starting weights: configs/_base_/models/weak_label_terms.py.
_base_ = ['../wesam/wesam_tiny-p4_box_60it_coco.py', '../_base_/models/weak_label_terms.py']
model = {{_base_.weak_label_terms}}
