from .formatting import PackSAMInputs
from .photometric import RandomShadow
from .prompts import GeneratePrompts, SampleInstances, polygon_mask

__all__ = ['PackSAMInputs', 'GeneratePrompts', 'SampleInstances', 'polygon_mask',
           'RandomShadow']
