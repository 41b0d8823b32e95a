from .prompt_free import GridPromptGenerator
from .sam import PROMPT_TYPES, PromptableSAM
from .self_training import CrossPromptAnchorSelfTraining, SelfTrainingTeacher
from .tent import EntropyMinimization

__all__ = ['PROMPT_TYPES', 'PromptableSAM', 'SelfTrainingTeacher', 'GridPromptGenerator',
           'EntropyMinimization', 'CrossPromptAnchorSelfTraining']
