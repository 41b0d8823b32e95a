# Kvasir-SEG polyps, converted by
#   python tools/dataset_converters/kvasir.py data/kvasir
# Split: 5:1 interleaved over the sorted image names (docs/en/datasets.md).
_base_ = ['./coco_instance.py']

data_root = 'data/kvasir/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
