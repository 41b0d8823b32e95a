# WeSAM ViT-B, box prompts, on OCID robot scenes
# (data: configs/_base_/datasets/ocid_instance.py, docs/en/datasets.md).
_base_ = ['./wesam_vit-b_box_2k_coco.py']

data_root = 'data/ocid/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
