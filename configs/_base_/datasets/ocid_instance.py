# OCID robot scenes, converted by
#   python tools/dataset_converters/ocid.py data/ocid
# Split: 6:1 interleaved over the sorted rgb paths (docs/en/datasets.md).
_base_ = ['./coco_instance.py']

data_root = 'data/ocid/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
