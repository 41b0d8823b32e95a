# Cross-prompt: adapt with point prompts, test with box prompts.
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='point', test_prompt_type='box'))
