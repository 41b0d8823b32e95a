# TENT on the synthetic benchmark: entropy of the prompted masks, encoder LayerNorms.
_base_ = ['./supervised_tiny_synthetic.py']
segmentor = {{_base_.model}}
model = dict(_delete_=True, type='EntropyMinimization', segmentor=segmentor)
optim_wrapper = dict(optimizer=dict(lr=1e-4))  # the adaptation lr of WeSAM
