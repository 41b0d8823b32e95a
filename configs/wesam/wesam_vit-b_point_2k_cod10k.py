# WeSAM ViT-B, point prompts, on COD10K camouflaged objects (test set)
# (data: configs/_base_/datasets/cod10k_instance.py, docs/en/datasets.md).
_base_ = ['./wesam_vit-b_point_2k_coco.py']

data_root = 'data/cod10k/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
