# wesam-wl_tiny-p4_box_60it_coco.py with point prompts, on the lr and anchor weight of
# configs/wesam/wesam_tiny-p4_point_60it_coco.py. The point term on the student only: the
# validation choice (P4 of projects/synthetic_benchmark/records/wesam_wl_search.md), which
# still does not beat WeSAM with points.
_base_ = ['./wesam-wl_tiny-p4_box_60it_coco.py']
model = dict(segmentor=dict(prompt_type='point'), loss_anchor=dict(loss_weight=0.03),
             weak_label_branches=('student', ))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
