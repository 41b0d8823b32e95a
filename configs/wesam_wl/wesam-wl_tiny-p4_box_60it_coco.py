# WeSAM + weak-label losses with the tiny source SAM on a converted dataset (CPU-sized),
# box prompts; configs/wesam/wesam_tiny-p4_box_60it_coco.py plus the weak-label terms.
#   python tools/train.py configs/wesam_wl/wesam-wl_tiny-p4_box_60it_coco.py \
#       --cfg-options train_dataloader.dataset.data_root=data/kvasir/ \
#                     val_dataloader.dataset.data_root=data/kvasir/ \
#                     test_dataloader.dataset.data_root=data/kvasir/
# The weights are starting values: the bounded validation search of issue 23 has not run.
_base_ = ['../wesam/wesam_tiny-p4_box_60it_coco.py']
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
