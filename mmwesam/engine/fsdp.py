"""FSDP through MMEngine's FlexibleRunner: which modules become shards."""
import importlib

import torch.nn as nn

from mmwesam.registry import FUNCTIONS


@FUNCTIONS.register_module()
def sam_block_wrap_policy(module: nn.Module, recurse: bool, nonwrapped_numel: int) -> bool:
    """FSDP's ``auto_wrap_policy``: every SAM encoder block is its own FSDP unit.

    A block's weights are gathered only while that block runs, so a rank holds one
    gathered block plus its shard of the rest; the prompt encoder and the mask decoder
    (4 M parameters) stay in the root unit.
    """
    block = importlib.import_module('segment_anything.modeling.image_encoder').Block
    return True if recurse else isinstance(module, block)
