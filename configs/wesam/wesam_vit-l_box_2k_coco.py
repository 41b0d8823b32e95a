# WeSAM with SAM ViT-L (checkpoints/sam_vit_l_0b3195.pth; configs/_base_/models/sam_vit_l.py) on
# COCO, box prompts: wesam_vit-b_box_2k_coco.py with the larger encoder.
_base_ = ['./wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(backbone=dict(arch='vit_l'),
                            init_cfg=dict(checkpoint='checkpoints/sam_vit_l_0b3195.pth')))
