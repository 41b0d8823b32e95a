# Ablation (not a benchmark method): WeSAM on the patch-4 source model without the anchor
# loss; everything else, lr included, is wesam_tiny_box_synthetic.py's. With
# wesam_no_contrast_tiny_synthetic.py it tells which of WeSAM's two terms separates it
# from self-training only (selftrain_only_tiny_synthetic.py = neither term). Run on the
# validation split: select_lr.py --source p4 --methods wesam_no_anchor wesam_no_contrast
# --lrs 3e-3 --out work_dirs/lr_search_p4 (docs/benchmark/ablation_p4_val.md). That run
# had the contrastive weight 1.0, WeSAM's before its weight search chose 0.1 (inherited
# here now, so a rerun measures the current WeSAM minus its anchor).
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(loss_anchor=None)
