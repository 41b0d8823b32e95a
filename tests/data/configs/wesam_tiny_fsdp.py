# The deterministic tiny WeSAM sharded with FSDP through MMEngine's FlexibleRunner, with
# the strategy and the lowmem options of configs/wesam/wesam-fsdp_vit-h_box_2k_coco.py
# (tests/test_engine/test_fsdp.py asserts they match): the suite's FSDP test compares it
# with DDP on the same global batch. No RankConsistencyHook: under FSDP each rank holds a
# shard, not the whole model.
_base_ = ['./wesam_tiny_deterministic.py']
model = dict(segmentor=dict(backbone=dict(checkpoint_blocks=True,
                                          checkpoint_policy='keep_attention')))
runner_type = 'FlexibleRunner'
strategy = dict(
    type='mmwesam.ResumableFSDPStrategy',  # MMEngine's FSDPStrategy, resume fixed
    state_dict_cfg='full',
    model_wrapper=dict(auto_wrap_policy='mmwesam.sam_block_wrap_policy',
                       use_orig_params=True, sharding_strategy='FULL_SHARD'))
custom_hooks = [dict(type='TeacherUpdateHook', momentum=None)]
