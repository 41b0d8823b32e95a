# records/wesam_wl_search_plan.md, P3: WeSAM + weak labels, point label weight 3 (both
# branches).
_base_ = ['../wesam-wl_tiny-p4_point_60it_synthetic.py']
model = dict(loss_points=dict(loss_weight=3.0), weak_label_branches=('student', 'teacher'))
