# The tests' tiny WeSAM: configs/wesam/wesam_tiny-p4_box_60it_coco.py's method on the tests'
# patch-8 tiny SAM (16 x 16 tokens, windows of 8; random init unless a test sets a
# checkpoint), at the paper's contrastive weight 1.0.
_base_ = ['../../../configs/wesam/wesam_tiny-p4_box_60it_coco.py']
model = dict(
    segmentor=dict(backbone=dict(patch_size=8, window_size=8),
                   head=dict(image_embedding_size=16), init_cfg=None),
    loss_contrast=dict(loss_weight=1.0))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=300))
