# The data of a real dataset written by tools/dataset_converters (<data_root>/annotations/
# instances_{adapt,test}.json, no val split) for configs whose method and schedule come
# from a synthetic-benchmark config. Variables only: a base that defined the loaders
# themselves would clash with the method config's, so each config merges them in:
#   data_root = {{_base_.real_data_root}}
#   train_dataloader = {{_base_.real_train_dataloader}}
#   val_dataloader = {{_base_.real_val_dataloader}}
#   test_dataloader = val_dataloader
# Users point all three at their data with --cfg-options *.dataset.data_root=data/kvasir/.
real_data_root = 'data/coco/'
real_train_dataloader = dict(dataset=dict(data_root=real_data_root))
# the real-data converters write adapt / test only: validate on test, as the paper does
real_val_dataloader = dict(dataset=dict(data_root=real_data_root,
                                        ann_file='annotations/instances_test.json'))
