# DIAGNOSTIC (not a benchmark method): WeSAM on the patch-4 source model whose anchor
# decodes the frozen source model with BOX prompts, whatever prompts the teacher and
# student see. Run with --prompt point it asks whether the anchor costs WeSAM with points
# because of the quality of its targets (the source model's point-prompted masks are
# worse than its box-prompted ones). Boxes are not a point setting's weak label, so its
# scores are not comparable with the methods' (docs/benchmark/diag_anchor_targets_p4_val.md):
# python tools/analysis_tools/select_lr.py --source p4 --prompt point --seed $s \
#     --methods diag_box_anchor diag_point_anchor selftrain_only --lrs 1e-3 \
#     --out work_dirs/diag_anchor_targets_point_s$s   # for s in 0 1
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(type='CrossPromptAnchorSelfTraining', anchor_prompt_type='box')
