# records/wesam_wl_search_plan.md, P4: WeSAM + weak labels on the student branch only.
_base_ = ['../wesam-wl_tiny-p4_point_60it_synthetic.py']
model = dict(weak_label_branches=('student', ))
