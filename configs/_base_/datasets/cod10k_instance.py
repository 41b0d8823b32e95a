# COD10K camouflaged objects (test set), converted by
#   python tools/dataset_converters/cod10k.py data/cod10k
# Split: 4:1 interleaved over the sorted test-set names (docs/en/datasets.md).
_base_ = ['./coco_instance.py']

data_root = 'data/cod10k/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
