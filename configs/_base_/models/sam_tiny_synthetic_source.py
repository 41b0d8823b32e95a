# The tiny SAM initialised from the shipped source model of the synthetic benchmark
# (trained by configs/sam/sam_tiny_source_synthetic.py; see README "Benchmark").
_base_ = ['./sam_tiny.py']
model = dict(init_cfg=dict(_delete_=True, type='Pretrained',
                           checkpoint='checkpoints/sam_tiny_synthetic_source.pth'))
