_base_ = ['./sam_vit_b.py']
model = dict(
    backbone=dict(arch='vit_l'),
    init_cfg=dict(checkpoint='checkpoints/sam_vit_l_0b3195.pth'))
