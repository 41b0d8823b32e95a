# COCO-C (one corruption and severity per data root), converted by
#   python tools/dataset_converters/coco_c.py data/coco --out data/coco-c
# Split: COCO's 6:1 split of val2017 (docs/en/datasets.md).
# Another corruption: point data_root at data/coco-c/<corruption>/<severity>/, e.g.
#   --cfg-options train_dataloader.dataset.data_root=data/coco-c/fog/5/ \
#     val_dataloader.dataset.data_root=data/coco-c/fog/5/ \
#     test_dataloader.dataset.data_root=data/coco-c/fog/5/
_base_ = ['./coco_instance.py']

data_root = 'data/coco-c/gaussian_noise/5/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
