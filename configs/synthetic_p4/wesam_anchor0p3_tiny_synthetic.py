# Loss-weight search (not a benchmark method): WeSAM on the patch-4 source model with the
# anchor loss weighted 0.3 (loss_anchor.loss_weight; WeSAM's config has the paper's 1.0);
# everything else is wesam_tiny_box_synthetic.py's. Searched jointly with the lr on the
# VALIDATION split with point prompts, seeds 0 and 1 (docs/benchmark/anchor_weight_p4_point_val.md):
# python tools/analysis_tools/select_lr.py --source p4 --prompt point --seed $s \
#     --methods wesam_anchor0p1 wesam_anchor0p3 --lrs 1e-3 3e-3 1e-2 \
#     --out work_dirs/anchor_p4_point_s$s   # for s in 0 1
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(loss_anchor=dict(loss_weight=0.3))
