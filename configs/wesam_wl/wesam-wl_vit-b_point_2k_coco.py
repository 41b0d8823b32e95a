# WeSAM + weak-label losses with point prompts: cross-entropy at the labelled points, on
# the student only (the validation choice of the synthetic benchmark; the box terms and
# clipping need a box and stay off). With points this family has not beaten WeSAM
# (projects/synthetic_benchmark/records/wesam_wl_search.md).
_base_ = ['./wesam-wl_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='point'), weak_label_branches=('student', ))
