# CHAMELEON camouflaged animals, converted by
#   python tools/dataset_converters/chameleon.py data/chameleon
# Split: all test by default; convert with --split 4:1 for an adapt split (docs/en/datasets.md).
# The default conversion puts every image in the test json (adapt json empty);
# adapting on CHAMELEON needs `--split 4:1` at conversion.
_base_ = ['./coco_instance.py']

data_root = 'data/chameleon/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
