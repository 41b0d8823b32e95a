# CAMO camouflaged objects, converted by
#   python tools/dataset_converters/camo.py data/camo
# Split: the official Train (adapt) and Test sets (docs/en/datasets.md).
_base_ = ['./coco_instance.py']

data_root = 'data/camo/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
