from .hooks import *  # noqa: F401,F403
from .torch_load_compat import allow_mmengine_checkpoints

__all__ = ['allow_mmengine_checkpoints']
