# The shipped tiny source model on a 2x finer token grid (patch 4, 32 x 32 tokens for
# 128 px images, windows of 16 tokens = 64 px as before), fine-tuned 800 iterations on the
# source domain: checkpoints/sam_tiny_synthetic_source_p4.pth, source test box mIoU 92.4
# (patch 8: 84.7; the same 800 iterations on the patch-8 grid: 84.8); the default source
# model of the demo and the benchmark (configs/synthetic_p4/, README "Benchmark").
#   python tools/model_converters/refine_sam_grid.py checkpoints/sam_tiny_synthetic_source.pth \
#       work_dirs/source_tiny_p4/init.pth --factor 2
#   python tools/train.py configs/sam/sam_tiny_source_synthetic_p4.py \
#       --work-dir work_dirs/source_tiny_p4
#   python tools/model_converters/export_sam.py configs/sam/sam_tiny_source_synthetic_p4.py \
#       work_dirs/source_tiny_p4/iter_800.pth checkpoints/sam_tiny_synthetic_source_p4.pth
_base_ = ['./sam_tiny_source_synthetic_stage3.py']
grid_factor = 2
model = dict(
    backbone=dict(patch_size=8 // grid_factor, window_size=8 * grid_factor),
    head=dict(image_embedding_size=128 // 8 * grid_factor),
    init_cfg=dict(_delete_=True, type='Pretrained',
                  checkpoint='work_dirs/source_tiny_p4/init.pth'))
load_from = None
max_iters = 800
train_cfg = dict(max_iters=max_iters, val_interval=200)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', T_max=max_iters - 50, eta_min=1e-5, by_epoch=False,
         begin=50, end=max_iters),
]
default_hooks = dict(logger=dict(interval=25),
                     checkpoint=dict(interval=200, save_best=None, max_keep_ckpts=1))
