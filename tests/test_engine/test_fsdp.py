"""The FSDP config: the wrap policy resolves as MMEngine's FSDP wrapper looks it up and
selects exactly the encoder blocks, the model trains nothing but LoRA (the anchor's
parameter swap is not FSDP-safe for anything else), and the tiny config that the suite's
2-process FSDP run trains (tests/test_tools/test_distributed.py) shards as it does."""
import os.path as osp

from mmengine.config import Config
from mmengine.registry import FUNCTIONS

from mmwesam.registry import MODELS
from mmwesam.utils import register_all_modules
from helpers import REPO, tiny_sam_settings

CONFIG = osp.join(REPO, 'configs/wesam/wesam-fsdp_vit-h_box_2k_coco.py')
TINY = osp.join(REPO, 'tests/data/configs/wesam_tiny_fsdp.py')


def test_fsdp_config_wraps_each_encoder_block_and_trains_only_lora():
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    assert cfg.runner_type == 'FlexibleRunner'
    assert cfg.strategy.type == 'mmwesam.ResumableFSDPStrategy'
    assert cfg.model.segmentor.backbone.checkpoint_blocks  # it keeps the lowmem options
    name = cfg.strategy.model_wrapper.auto_wrap_policy
    # the lookup of mmengine's MMFullyShardedDataParallel
    with FUNCTIONS.switch_scope_and_registry(None):
        policy = FUNCTIONS.get(name)
    assert policy is not None and policy.__name__ == 'sam_block_wrap_policy'

    cfg.merge_from_dict(dict(model=dict(segmentor=dict(tiny_sam_settings(), init_cfg=None))))
    model = MODELS.build(cfg.model)
    units = [n for n, m in model.named_modules() if policy(m, recurse=False, nonwrapped_numel=0)]
    depth = len(model.segmentor.backbone.blocks)
    assert units == [f'segmentor.backbone.blocks.{i}' for i in range(depth)]
    assert all(policy(m, recurse=True, nonwrapped_numel=0) for m in model.modules())
    assert model.changed_parameter_names == []
    assert all('.lora_' in n for n, p in model.named_parameters() if p.requires_grad)


def test_the_tiny_fsdp_config_is_the_vit_h_strategy():
    vit_h, tiny = Config.fromfile(CONFIG), Config.fromfile(TINY)
    assert tiny.runner_type == vit_h.runner_type
    assert tiny.strategy.to_dict() == vit_h.strategy.to_dict()
    for key in ('checkpoint_blocks', 'checkpoint_policy'):
        assert tiny.model.segmentor.backbone[key] == vit_h.model.segmentor.backbone[key]
