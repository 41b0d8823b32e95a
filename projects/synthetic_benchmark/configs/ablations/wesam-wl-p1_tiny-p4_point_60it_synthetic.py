# records/wesam_wl_search_plan.md, P1: WeSAM + weak labels at the starting values (point
# label 1 on the student and the teacher); the search ran it as 'wesam_wl' before P4 was
# chosen.
_base_ = ['../wesam-wl_tiny-p4_point_60it_synthetic.py']
model = dict(weak_label_branches=('student', 'teacher'))
