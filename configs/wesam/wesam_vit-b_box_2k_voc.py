# WeSAM ViT-B, box prompts, on Pascal VOC 2012 instances
# (data: configs/_base_/datasets/voc_instance.py, docs/en/datasets.md).
_base_ = ['./wesam_vit-b_box_2k_coco.py']

data_root = 'data/VOCdevkit/VOC2012/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
