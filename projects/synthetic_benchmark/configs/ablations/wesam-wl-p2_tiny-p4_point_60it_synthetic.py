# records/wesam_wl_search_plan.md, P2: WeSAM + weak labels, point label weight 0.3 (both
# branches).
_base_ = ['../wesam-wl_tiny-p4_point_60it_synthetic.py']
model = dict(loss_points=dict(loss_weight=0.3), weak_label_branches=('student', 'teacher'))
