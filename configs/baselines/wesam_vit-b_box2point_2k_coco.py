# Cross-prompt: adapt with box prompts, test with point prompts.
_base_ = ['../wesam/wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(prompt_type='box', test_prompt_type='point'))
