"""An optimizer wrapper that runs the forward pass under bf16 autocast on any device.

MMEngine's ``AmpOptimWrapper`` refuses to be built without a GPU (it asserts CUDA, NPU,
MLU or MUSA), so ``--amp`` could not train on CPU at all. bf16 keeps fp32's exponent
range, so it needs no loss scaling: this wrapper is MMEngine's plain ``OptimWrapper`` with
``optim_context`` entering MMEngine's ``autocast`` (``torch.autocast`` on the runner's
device). ``tools/train.py --amp`` uses it on CPU; on CUDA it keeps ``AmpOptimWrapper``.
The losses are computed in fp32 either way (the models cast their logits up).
"""
from contextlib import contextmanager
from typing import Iterator, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast

from mmwesam.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under autocast to ``dtype`` (bf16 only: fp16
    needs a loss scaler, which ``AmpOptimWrapper`` has).

    Args:
        dtype: ``'bfloat16'`` or ``torch.bfloat16``.
        **kwargs: those of ``OptimWrapper`` (optimizer, clip_grad, accumulative_counts).
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16', **kwargs) -> None:
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError(f'AutocastOptimWrapper: dtype must be bfloat16 (float16 needs '
                             f'loss scaling: use AmpOptimWrapper on a GPU), got {dtype!r}')
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """MMEngine's context (no gradient sync while accumulating) plus autocast."""
        with super().optim_context(model), autocast(dtype=self.cast_dtype):
            yield
