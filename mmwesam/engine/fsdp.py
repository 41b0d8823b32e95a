"""FSDP through MMEngine's FlexibleRunner: which modules become shards, and a strategy
that resumes."""
import importlib

import torch.nn as nn
from mmengine._strategy import FSDPStrategy

from mmwesam.registry import FUNCTIONS, STRATEGIES


@FUNCTIONS.register_module()
def sam_block_wrap_policy(module: nn.Module, recurse: bool, nonwrapped_numel: int) -> bool:
    """FSDP's ``auto_wrap_policy``: every SAM encoder block is its own FSDP unit.

    A block's weights are gathered only while that block runs, so a rank holds one
    gathered block plus its shard of the rest; the prompt encoder and the mask decoder
    (4 M parameters) stay in the root unit.
    """
    block = importlib.import_module('segment_anything.modeling.image_encoder').Block
    return True if recurse else isinstance(module, block)


@STRATEGIES.register_module()
class ResumableFSDPStrategy(FSDPStrategy):
    """MMEngine's ``FSDPStrategy`` whose ``--resume`` works with torch >= 2.1.

    MMEngine 0.10.7 loads the optimizer state with
    ``FSDP.optim_state_dict_to_load(state_dict, model, optimizer)``, the argument order
    of torch 2.0; torch 2.1 reordered the arguments to ``(model, optim,
    optim_state_dict)``, so resuming an FSDP run fails with ``TypeError: unhashable type:
    'dict'``. Here they are passed by name. Everything else is MMEngine's.
    """

    def load_optim_state_dict(self, state_dict: dict) -> None:
        """Load the (full or sharded) optimizer state of a checkpoint into the wrapper."""
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        optim_state_dict = FSDP.optim_state_dict_to_load(
            model=self.model, optim=self.optim_wrapper.optimizer,
            optim_state_dict=state_dict)
        self.optim_wrapper.load_state_dict(optim_state_dict)
