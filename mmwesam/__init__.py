"""mmwesam: weakly supervised, source-free adaptation of Segment Anything."""
from .version import __version__
from .utils.setup_env import register_all_modules

__all__ = ['__version__', 'register_all_modules']
