# WeSAM ViT-H sharded with FSDP over the GPUs (MMEngine's FlexibleRunner + FSDPStrategy):
#   bash tools/dist_train.sh configs/wesam/wesam-fsdp_vit-h_box_2k_coco.py 8
# Run so far on CPU only: the suite trains a tiny model with this strategy on 2 gloo
# processes and gets DDP's weights bit for bit (tests/test_tools/test_distributed.py);
# no GPU run of ViT-H has been made. What it can save: FSDP shards weights, gradients
# and optimizer state, not activations. WeSAM trains only LoRA, so that is the frozen
# ViT-H weights (2.4 GiB in fp32) divided over the GPUs; the activations, which
# dominate, are cut by the lowmem options it inherits (measured:
# docs/en/benchmarks/adaptation_cost_cpu.md). Use it when 2.4 GiB decides whether a run
# fits; otherwise wesam-lowmem_vit-h (plain DDP) is simpler.
# Only LoRA may train here: the anchor swaps in frozen copies of other trained
# parameters by replacing their storage, which FSDP's flat parameters do not allow
# (the tune-decoder / tune-layernorm / tune-full baselines need DDP).
_base_ = ['./wesam-lowmem_vit-h_box_2k_coco.py']
runner_type = 'FlexibleRunner'
strategy = dict(
    type='mmwesam.ResumableFSDPStrategy',  # MMEngine's FSDPStrategy, resume fixed
    # full state dicts: checkpoints that tools/test.py and --resume read like any other
    state_dict_cfg='full',
    model_wrapper=dict(
        # each encoder block is its own shard unit, gathered only while it runs
        auto_wrap_policy='mmwesam.sam_block_wrap_policy',
        # LoRA and frozen weights share a block: FSDP needs the original parameters
        use_orig_params=True,
        sharding_strategy='FULL_SHARD'))
