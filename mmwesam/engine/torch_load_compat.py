"""Make mmengine 0.10.7 checkpoints loadable with torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True`` by default and rejects the objects that
mmengine stores next to the weights (``HistoryBuffer`` in the message hub, numpy arrays
and scalars in the log history), so ``--resume`` and ``load_from`` fail. Rather than
turning the safety check off:

- the few data types mmengine writes are declared safe;
- ``HistoryBuffer`` no longer pickles its statistics functions (``min``, ``mean``...),
  which would need ``getattr`` in the allow-list, i.e. arbitrary attribute access while
  unpickling. Those functions are registered on the class at import time, so leaving
  them out of the checkpoint loses nothing.
"""
from typing import List

import numpy as np
import torch


def _mmengine_checkpoint_types() -> List[object]:
    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer

    types: List[object] = [HistoryBuffer, ConfigDict, np.ndarray, np.dtype]
    # numpy 2 moved its pickling helpers to numpy._core; both names may be referenced.
    for module_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            module = __import__(module_name, fromlist=['_reconstruct', 'scalar'])
        except ImportError:
            continue
        types += [module._reconstruct, module.scalar]
    # Concrete dtype classes (numpy.dtypes.Float64DType, ...) are pickled by class.
    types += [type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGSUVOMm']
    return types


def _history_buffer_getstate(self) -> dict:
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def allow_mmengine_checkpoints() -> None:
    """Register mmengine's checkpoint objects as safe for ``torch.load``."""
    from mmengine.logging import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 loads them anyway
        return
    add_safe_globals(_mmengine_checkpoint_types())
