# Loss-weight search (not a benchmark method): WeSAM on the patch-4 source model with the
# instance contrastive loss weighted 0.1 (absolute); everything else, lr included, is
# wesam_tiny_box_synthetic.py's. Run on the VALIDATION split by
# python tools/analysis_tools/select_lr.py --source p4 \
#     --methods wesam_contrast0p1 wesam_contrast0p3 --lrs 3e-3
_base_ = ['./wesam_tiny_box_synthetic.py']
model = dict(loss_contrast=dict(loss_weight=0.1))
