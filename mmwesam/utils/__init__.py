from .sam_import import import_sam_modeling
from .setup_env import register_all_modules, setup_torch

__all__ = ['import_sam_modeling', 'register_all_modules', 'setup_torch']
