"""Validation and test loops under autocast of a chosen dtype (bf16 by default).

MMEngine's own loops take ``fp16=True``, which autocasts to float16 on CUDA (bfloat16 on
CPU); SAM's ViT-H at 1024 px is usually run in bfloat16, whose range needs no loss
scaling. These loops run MMEngine's with the CUDA autocast dtype set for their
iterations. ``tools/test.py --amp`` and ``tools/train.py --amp`` select them.
"""
from contextlib import contextmanager
from typing import Iterator, Sequence

import torch
from mmengine.runner import TestLoop, ValLoop

from mmwesam.registry import LOOPS

DTYPES = ('bfloat16', 'float16')


def _dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ValueError(f'AMP dtype must be one of {DTYPES}, got {name!r}')
    return getattr(torch, name)


@contextmanager
def cuda_autocast_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Make ``dtype`` what CUDA autocast casts to (MMEngine's ``autocast`` asks torch)."""
    previous = torch.get_autocast_dtype('cuda')
    torch.set_autocast_dtype('cuda', dtype)
    try:
        yield
    finally:
        torch.set_autocast_dtype('cuda', previous)


class _AmpIterations:
    """Runs the loop's iterations with CUDA autocast casting to ``self.dtype``."""

    dtype: torch.dtype

    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        with cuda_autocast_dtype(self.dtype):
            super().run_iter(idx, data_batch)


@LOOPS.register_module()
class AmpValLoop(_AmpIterations, ValLoop):
    """``ValLoop`` whose model steps run under autocast to ``dtype``."""

    def __init__(self, runner, dataloader, evaluator, dtype: str = 'bfloat16') -> None:
        super().__init__(runner, dataloader, evaluator, fp16=True)
        self.dtype = _dtype(dtype)


@LOOPS.register_module()
class AmpTestLoop(_AmpIterations, TestLoop):
    """``TestLoop`` whose model steps run under autocast to ``dtype``."""

    def __init__(self, runner, dataloader, evaluator, dtype: str = 'bfloat16') -> None:
        super().__init__(runner, dataloader, evaluator, fp16=True)
        self.dtype = _dtype(dtype)
