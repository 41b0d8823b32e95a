from .formatting import PackSAMInputs
from .loading import LoadImageAnyDepth, to_uint8
from .photometric import RandomShadow
from .prompts import GeneratePrompts, SampleInstances, polygon_mask

__all__ = ['LoadImageAnyDepth', 'to_uint8', 'PackSAMInputs', 'GeneratePrompts',
           'SampleInstances', 'polygon_mask',
           'RandomShadow']
