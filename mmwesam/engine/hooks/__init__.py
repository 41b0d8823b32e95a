from .teacher_update_hook import TeacherUpdateHook

__all__ = ['TeacherUpdateHook']
