from .formatting import PackSAMInputs
from .loading import LoadImageAnyDepth, LoadSAMAnnotations, to_uint8, wrap_bitmap_masks
from .photometric import RandomShadow
from .prompts import GeneratePrompts, SampleInstances, polygon_mask

__all__ = ['LoadImageAnyDepth', 'LoadSAMAnnotations', 'to_uint8', 'wrap_bitmap_masks',
           'PackSAMInputs', 'GeneratePrompts', 'SampleInstances', 'polygon_mask',
           'RandomShadow']
