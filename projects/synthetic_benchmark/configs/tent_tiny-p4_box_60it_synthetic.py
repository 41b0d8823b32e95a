# TENT: entropy of the prompted masks, encoder LayerNorms. lr: records/lr_search_p4.md.
_base_ = ['./direct_tiny-p4_box_synthetic.py']
segmentor = {{_base_.model}}
model = dict(_delete_=True, type='EntropyMinimization', segmentor=segmentor)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
