from .instance_count_hook import InstanceCountHook
from .rank_consistency_hook import RankConsistencyHook
from .teacher_update_hook import TeacherUpdateHook

__all__ = ['InstanceCountHook', 'RankConsistencyHook', 'TeacherUpdateHook']
