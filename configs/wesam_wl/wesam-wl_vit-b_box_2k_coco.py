# WeSAM + weak-label losses (mmwesam's extension, not the paper's method): the box prompt
# is also a label. The mask's x / y projections must equal the box's, neighbouring pixels
# of similar colour share a label, and the teacher's pseudo labels are cut to the box.
#   python tools/train.py configs/wesam_wl/wesam-wl_vit-b_box_2k_coco.py
# The terms and their starting weights: configs/_base_/models/weak_label_terms.py.
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py', '../_base_/models/weak_label_terms.py']
model = {{_base_.weak_label_terms}}
