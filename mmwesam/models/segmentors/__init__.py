from .sam import PROMPT_TYPES, PromptableSAM
from .self_training import SelfTrainingTeacher
from .tent import EntropyMinimization
from .weak_label_self_training import WeakLabelSelfTraining

__all__ = ['PROMPT_TYPES', 'PromptableSAM', 'SelfTrainingTeacher', 'EntropyMinimization',
           'WeakLabelSelfTraining']
