# wesam-wl_tiny-p4_box_60it_coco.py with point prompts, on the lr and anchor weight of
# configs/wesam/wesam_tiny-p4_point_60it_coco.py.
_base_ = ['./wesam-wl_tiny-p4_box_60it_coco.py']
model = dict(segmentor=dict(prompt_type='point'), loss_anchor=dict(loss_weight=0.03))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
