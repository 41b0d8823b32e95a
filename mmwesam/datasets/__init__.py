from .sam_instance import SAMInstanceDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['SAMInstanceDataset']
