# WeSAM with SAM ViT-H (checkpoints/sam_vit_h_4b8939.pth; configs/_base_/models/sam_vit_h.py) on
# COCO, box prompts: wesam_vit-b_box_2k_coco.py with the larger encoder.
_base_ = ['./wesam_vit-b_box_2k_coco.py']
model = dict(segmentor=dict(backbone=dict(arch='vit_h'),
                            init_cfg=dict(checkpoint='checkpoints/sam_vit_h_4b8939.pth')))
