"""FSDP through MMEngine's FlexibleRunner: which modules become shards, and a strategy
that resumes (and runs on CPU)."""
import importlib
from typing import Optional, Union

import torch
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
    """MMEngine's ``FSDPStrategy`` that resumes with torch >= 2.1 and also runs on CPU.

    - Resume: MMEngine 0.10.7 loads the optimizer state with
      ``FSDP.optim_state_dict_to_load(state_dict, model, optimizer)``, the argument order
      of torch 2.0; torch 2.1 reordered them to ``(model, optim, optim_state_dict)``, so
      resuming fails with ``TypeError: unhashable type: 'dict'``. Here they go by name.
    - Without CUDA (debugging, the test suite on gloo): MMEngine gives FSDP the local rank
      as a CUDA device id, and torch's FSDP refuses to guess a device without an
      accelerator, so the CPU is named; ``state_dict_cfg='full'`` gathers without
      ``offload_to_cpu``, which on tensors already on the CPU crashes rank 0 (SIGSEGV).

    Everything else is MMEngine's.
    """

    def __init__(self, *, model_wrapper: Optional[dict] = None,
                 state_dict_cfg: Union[str, dict] = 'local', **kwargs) -> None:
        if not torch.cuda.is_available():
            model_wrapper = dict(model_wrapper or {}, device_id='cpu')
            if state_dict_cfg == 'full':
                state_dict_cfg = dict(
                    state_dict_type='FULL_STATE_DICT',
                    state_dict_config=dict(type='FullStateDictConfig', rank0_only=True,
                                           offload_to_cpu=False),
                    optim_state_dict_config=dict(type='FullOptimStateDictConfig',
                                                 rank0_only=True, offload_to_cpu=False))
        super().__init__(model_wrapper=model_wrapper, state_dict_cfg=state_dict_cfg,
                         **kwargs)

    def load_optim_state_dict(self, state_dict: dict) -> None:
        """Load the (full or sharded) optimizer state of a checkpoint into the wrapper."""
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        optim_state_dict = FSDP.optim_state_dict_to_load(
            model=self.model, optim=self.optim_wrapper.optimizer,
            optim_state_dict=state_dict)
        self.optim_wrapper.load_state_dict(optim_state_dict)
