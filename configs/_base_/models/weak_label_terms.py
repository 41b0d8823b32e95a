# The weak-label terms of WeakLabelSelfTraining (configs/wesam_wl/): merged into a WeSAM
# config's model by
#   _base_ = [<a WeSAM config>, '../_base_/models/weak_label_terms.py']
#   model = {{_base_.weak_label_terms}}
# The weights are the box-prompt validation choice (B4 of
# projects/synthetic_benchmark/records/wesam_wl_search.md: box projection 3, pairwise 1,
# pseudo labels cut to the box); the point and polygon configs change what their own
# searches chose.
weak_label_terms = dict(
    type='WeakLabelSelfTraining',
    loss_box_projection=dict(type='BoxProjectionLoss', loss_weight=3.0),
    loss_pairwise=dict(type='PairwiseAffinityLoss', kernel_size=3, dilation=2,
                       threshold=0.3, sigma=0.5, loss_weight=1.0),
    loss_points=dict(type='PointLabelLoss', loss_weight=1.0),
    loss_polygon=dict(type='PolygonBandLoss', inner_margin=2, outer_margin=2,
                      loss_weight=1.0),
    clip_pseudo_labels=True, clip_margin=0.0,
    weak_label_branches=('student', 'teacher'))
