# DIAGNOSTIC (not a benchmark method): the converse of diag_box_anchor_tiny_synthetic.py.
# WeSAM's anchor decodes the frozen source model with POINT prompts (5 positive + 5
# negative per instance) while teacher and student see boxes; run with --prompt box it
# asks whether worse anchor targets cost WeSAM with boxes what they cost it with points
# (docs/benchmark/diag_anchor_targets_p4_val.md):
# python tools/analysis_tools/select_lr.py --source p4 --prompt box --seed $s \
#     --methods diag_point_anchor diag_box_anchor --lrs 3e-3 \
#     --out work_dirs/diag_anchor_targets_box_s$s   # for s in 0 1
# (with --prompt point it is WeSAM at anchor weight 1.0 with points: the baseline arm)
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(type='CrossPromptAnchorSelfTraining', anchor_prompt_type='point')
