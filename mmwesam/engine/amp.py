"""Mixed precision for a config: the one place where ``--amp`` becomes config fields.

Used by ``tools/train.py``, ``tools/test.py`` and the synthetic benchmark (``--amp``), so
that a run in bf16 is the same configuration whichever entry point made it.
"""
import torch
from mmengine.config import Config

from .runner.amp_loops import DTYPES


def use_amp(cfg: Config, dtype: str = 'bfloat16', train: bool = True,
            test: bool = True) -> None:
    """Train and validate (``train``) and test (``test``) ``cfg`` under autocast to
    ``dtype``.

    On CUDA training uses MMEngine's ``AmpOptimWrapper``: bf16 with a static loss scale of
    1 (bf16 has fp32's range; the scaler still skips a step with inf gradients), fp16 with
    a dynamic loss scale. Without CUDA it uses :class:`AutocastOptimWrapper` (bf16 only:
    CPU autocast has no fp16). Evaluation runs in ``AmpValLoop`` / ``AmpTestLoop``.

    Raises:
        ValueError: an unknown dtype, or float16 training without CUDA.
    """
    if dtype not in DTYPES:
        raise ValueError(f'AMP dtype must be one of {DTYPES}, got {dtype!r}')
    if train:
        if torch.cuda.is_available():
            cfg.optim_wrapper.update(type='AmpOptimWrapper', dtype=dtype,
                                     loss_scale='dynamic' if dtype == 'float16' else 1.0)
        elif dtype == 'bfloat16':
            cfg.optim_wrapper.update(type='AutocastOptimWrapper', dtype=dtype)
            cfg.optim_wrapper.pop('loss_scale', None)
        else:
            raise ValueError('--amp float16 needs a GPU (loss scaling); CPU autocast is '
                             'bf16 only: use --amp bfloat16')
        if cfg.get('val_cfg') is not None:
            cfg.val_cfg = dict(type='AmpValLoop', dtype=dtype)
    if test:
        cfg.test_cfg = dict(type='AmpTestLoop', dtype=dtype)
