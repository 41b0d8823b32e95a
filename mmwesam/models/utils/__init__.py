from .grid import refine_token_grid
from .sam_checkpoint import (OFFICIAL_PREFIXES, load_sam_state_dict, read_checkpoint,
                             to_official_state_dict)

__all__ = ['OFFICIAL_PREFIXES', 'load_sam_state_dict', 'read_checkpoint',
           'refine_token_grid', 'to_official_state_dict']
