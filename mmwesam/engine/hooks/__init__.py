from .instance_count_hook import InstanceCountHook
from .no_harm_guard_hook import NoHarmGuardHook
from .rank_consistency_hook import RankConsistencyHook
from .teacher_update_hook import TeacherUpdateHook

__all__ = ['InstanceCountHook', 'NoHarmGuardHook', 'RankConsistencyHook',
           'TeacherUpdateHook']
