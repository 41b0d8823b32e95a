# OSD table-top scenes, converted by
#   python tools/dataset_converters/osd.py data/osd
# Split: 6:1 interleaved over the sorted image names (docs/en/datasets.md).
_base_ = ['./coco_instance.py']

data_root = 'data/osd/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
