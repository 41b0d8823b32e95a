# DIAGNOSTIC, not a method: WeSAM whose anchor decodes the frozen model with BOX prompts
# whatever the teacher and student see. Record: docs/notes/diag_anchor_targets_p4_val.md.
_base_ = ['../wesam_tiny-p4_box_60it_synthetic.py']
custom_imports = dict(imports=['synthetic_benchmark.diagnostics'], allow_failed_imports=False)
model = dict(type='CrossPromptAnchorSelfTraining', anchor_prompt_type='box')
