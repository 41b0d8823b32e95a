# Pascal VOC 2012 instances, converted by
#   python tools/dataset_converters/voc.py data/VOCdevkit/VOC2012
# Split: 6:1 interleaved over the sorted train+val segmentation ids (docs/en/datasets.md).
_base_ = ['./coco_instance.py']

data_root = 'data/VOCdevkit/VOC2012/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
