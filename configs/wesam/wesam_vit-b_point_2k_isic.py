# WeSAM ViT-B, point prompts, on ISIC 2016 skin lesions
# (data: configs/_base_/datasets/isic_instance.py, docs/en/datasets.md).
_base_ = ['./wesam_vit-b_point_2k_coco.py']

data_root = 'data/isic/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
