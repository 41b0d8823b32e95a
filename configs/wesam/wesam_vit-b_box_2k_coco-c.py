# WeSAM ViT-B, box prompts, on COCO-C (one corruption and severity per data root)
# (data: configs/_base_/datasets/coco_c_instance.py, docs/en/datasets.md).
# Another corruption: point data_root at data/coco-c/<corruption>/<severity>/, e.g.
#   --cfg-options train_dataloader.dataset.data_root=data/coco-c/fog/5/ \
#     val_dataloader.dataset.data_root=data/coco-c/fog/5/ \
#     test_dataloader.dataset.data_root=data/coco-c/fog/5/
_base_ = ['./wesam_vit-b_box_2k_coco.py']

data_root = 'data/coco-c/gaussian_noise/5/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
