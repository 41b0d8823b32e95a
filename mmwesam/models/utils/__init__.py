from .checkpoint import (OFFICIAL_PREFIXES, load_sam_state_dict, read_checkpoint,
                         to_official_state_dict)
from .grid import refine_token_grid

__all__ = ['OFFICIAL_PREFIXES', 'load_sam_state_dict', 'read_checkpoint',
           'refine_token_grid', 'to_official_state_dict']
