# wesam_tiny-p4_box_60it_coco.py with point prompts (5 positive + 5 negative per
# instance), with the lr and anchor weight chosen on the synthetic validation split with
# points. Record: projects/synthetic_benchmark/records/anchor_weight_p4_point_val.md.
_base_ = ['./wesam_tiny-p4_box_60it_coco.py']
model = dict(segmentor=dict(prompt_type='point'), loss_anchor=dict(loss_weight=0.03))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
