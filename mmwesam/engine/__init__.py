from .atomic_backend import AtomicLocalBackend, atomic_write
from .fsdp import ResumableFSDPStrategy, sam_block_wrap_policy
from .hooks import *  # noqa: F401,F403
from .optimizers import AutocastOptimWrapper
from .runner import AmpTestLoop, AmpValLoop
from .torch_load_compat import allow_mmengine_checkpoints

__all__ = ['AmpTestLoop', 'AmpValLoop', 'AtomicLocalBackend', 'AutocastOptimWrapper',
           'ResumableFSDPStrategy',
           'allow_mmengine_checkpoints',
           'sam_block_wrap_policy',
           'atomic_write']
