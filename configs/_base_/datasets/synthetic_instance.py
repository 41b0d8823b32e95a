# One domain of the built-in synthetic benchmark (tools/dataset_converters/make_synthetic.py):
# <data_root>/annotations/instances_{adapt,val,test}.json (source: train/val/test).
_base_ = ['./coco_instance.py']
data_root = 'data/synthetic/fog/'
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_adapt.json'))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_val.json'))
test_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='annotations/instances_test.json'))
