# The project's tiny source SAM (checkpoints/sam_tiny_synthetic_source_p4.pth, 1.5 M
# parameters): sam_tiny.py on a patch-4 grid (32 x 32 tokens at 128 px, windows of 16
# tokens), trained on the synthetic benchmark's source domain
# (projects/synthetic_benchmark/README.md, "Source model").
_base_ = ['./sam_tiny.py']
model = dict(
    backbone=dict(patch_size=4, window_size=16),
    head=dict(image_embedding_size=32),
    init_cfg=dict(_delete_=True, type='Pretrained',
                  checkpoint='checkpoints/sam_tiny_synthetic_source_p4.pth'))
