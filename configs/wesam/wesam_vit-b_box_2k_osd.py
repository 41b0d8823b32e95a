# WeSAM ViT-B, box prompts, on OSD table-top scenes
# (data: configs/_base_/datasets/osd_instance.py, docs/en/datasets.md).
_base_ = ['./wesam_vit-b_box_2k_coco.py']

data_root = 'data/osd/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
