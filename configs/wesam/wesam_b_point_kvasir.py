# WeSAM ViT-B, point prompts, on Kvasir-SEG polyps
# (data: configs/_base_/datasets/kvasir_instance.py, docs/datasets.md).
_base_ = ['./wesam_b_point_coco.py']

data_root = 'data/kvasir/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
