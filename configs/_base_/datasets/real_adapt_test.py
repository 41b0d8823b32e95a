# A converted dataset (tools/dataset_converters: <data_root>/annotations/
# instances_{adapt,test}.json, no val split) for the tiny source SAM: batch 4, workers in
# the main process. Converters write adapt / test only: validate on test, as the paper does.
# Point it at your data with --cfg-options {train,val,test}_dataloader.dataset.data_root=...
_base_ = ['./coco_instance.py']
data_root = 'data/coco/'
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_adapt.json'))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_test.json'))
test_dataloader = val_dataloader
