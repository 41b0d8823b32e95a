_base_ = ['./sam_vit_b.py']
model = dict(
    backbone=dict(arch='vit_h'),
    init_cfg=dict(checkpoint='checkpoints/sam_vit_h_4b8939.pth'))
