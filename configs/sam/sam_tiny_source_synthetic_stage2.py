# Stage 2 of the source model (the shipped one is stage 3,
# ./sam_tiny_source_synthetic_stage3.py): continues the 2000-iteration stage 1
# (./sam_tiny_source_synthetic.py) for 5000 more iterations with a fresh warm-up + cosine
# schedule; half of the images are prompted with boxes (the
# benchmark's main prompt), a quarter each with points and polygons.
#   python tools/train.py configs/sam/sam_tiny_source_synthetic.py --work-dir work_dirs/source_tiny
#   python tools/train.py configs/sam/sam_tiny_source_synthetic_stage2.py \
#       --work-dir work_dirs/source_tiny_stage2
_base_ = ['./sam_tiny_source_synthetic.py']
load_from = 'work_dirs/source_tiny/iter_2000.pth'
model = dict(prompt_type=('box', 'box', 'point', 'poly'))
max_iters = 5000
train_cfg = dict(max_iters=max_iters, val_interval=1000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=200),
    dict(type='CosineAnnealingLR', T_max=max_iters - 200, eta_min=1e-5, by_epoch=False,
         begin=200, end=max_iters),
]
