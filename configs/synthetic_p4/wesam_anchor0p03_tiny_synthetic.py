# Loss-weight search (not a benchmark method): WeSAM on the patch-4 source model with the
# anchor loss weighted 0.03. The joint anchor-weight / lr search with point prompts chose
# 0.1, its grid's lower edge; like the lr searches (a winner at the ladder's end gets its
# next step tried), the step beyond the edge is tried on the VALIDATION split, seeds 0 and
# 1 (docs/benchmark/anchor_weight_p4_point_val.md):
# python tools/analysis_tools/select_lr.py --source p4 --prompt point --seed $s \
#     --methods wesam_anchor0p03 --lrs 1e-3 3e-3 \
#     --out work_dirs/anchor_p4_point_s$s   # for s in 0 1
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(loss_anchor=dict(loss_weight=0.03))
