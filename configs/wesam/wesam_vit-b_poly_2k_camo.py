# WeSAM ViT-B, poly prompts, on CAMO camouflaged objects
# (data: configs/_base_/datasets/camo_instance.py, docs/en/datasets.md).
_base_ = ['./wesam_vit-b_poly_2k_coco.py']

data_root = 'data/camo/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
