# WeSAM ViT-B, point prompts, on CHAMELEON camouflaged animals
# (data: configs/_base_/datasets/chameleon_instance.py, docs/en/datasets.md).
# The default conversion puts every image in the test json (adapt json empty);
# adapting on CHAMELEON needs `--split 4:1` at conversion.
_base_ = ['./wesam_vit-b_point_2k_coco.py']

data_root = 'data/chameleon/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
