"""mmwesam: weakly supervised, source-free adaptation of Segment Anything."""
from .utils.setup_env import register_all_modules
from .version import __version__

__all__ = ['__version__', 'register_all_modules']
