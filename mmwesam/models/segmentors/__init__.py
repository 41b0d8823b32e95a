from .sam import PROMPT_TYPES, PromptableSAM
from .self_training import SelfTrainingTeacher
from .tent import EntropyMinimization

__all__ = ['PROMPT_TYPES', 'PromptableSAM', 'SelfTrainingTeacher', 'EntropyMinimization']
