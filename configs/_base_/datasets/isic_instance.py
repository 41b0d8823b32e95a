# ISIC 2016 skin lesions, converted by
#   python tools/dataset_converters/isic.py data/isic
# Split: the official training (adapt) and test sets (docs/en/datasets.md).
_base_ = ['./coco_instance.py']

data_root = 'data/isic/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
