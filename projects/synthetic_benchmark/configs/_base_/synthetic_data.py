# One target domain of the synthetic benchmark (tools/make_synthetic.py):
# <data_root>/annotations/instances_{adapt,val,test}.json. Variables only (a base that
# defined the loaders would clash with the method config's); each config merges them in.
# The benchmark's tools set data_root per run.
synthetic_data_root = 'data/synthetic/fog/'
synthetic_train_dataloader = dict(dataset=dict(data_root=synthetic_data_root))
synthetic_val_dataloader = dict(dataset=dict(data_root=synthetic_data_root,
                                             ann_file='annotations/instances_val.json'))
synthetic_test_dataloader = dict(dataset=dict(data_root=synthetic_data_root,
                                              ann_file='annotations/instances_test.json'))
