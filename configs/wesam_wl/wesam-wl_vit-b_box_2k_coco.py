# WeSAM + weak-label losses (mmwesam's extension, not the paper's method): the box prompt
# is also a label. The mask's x / y projections must equal the box's, neighbouring pixels
# of similar colour share a label, and the teacher's pseudo labels are cut to the box.
#   python tools/train.py configs/wesam_wl/wesam-wl_vit-b_box_2k_coco.py
# The weights are starting values: the bounded validation search of issue 23 has not run.
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(
    type='WeakLabelSelfTraining',
    loss_box_projection=dict(type='BoxProjectionLoss', loss_weight=1.0),
    loss_pairwise=dict(type='PairwiseAffinityLoss', kernel_size=3, dilation=2,
                       threshold=0.3, sigma=0.5, loss_weight=1.0),
    loss_points=dict(type='PointLabelLoss', loss_weight=1.0),
    loss_polygon=dict(type='PolygonBandLoss', inner_margin=2, outer_margin=2,
                      loss_weight=1.0),
    clip_pseudo_labels=True, clip_margin=0.0,
    weak_label_branches=('student', 'teacher'))
