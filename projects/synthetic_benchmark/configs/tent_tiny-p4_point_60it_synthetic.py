# TENT with point prompts. lr: records/lr_search_p4_point.md.
_base_ = ['./tent_tiny-p4_box_60it_synthetic.py']
model = dict(segmentor=dict(prompt_type='point'))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
