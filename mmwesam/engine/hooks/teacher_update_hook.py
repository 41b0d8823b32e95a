"""The teacher's update rule: shared weights (WeSAM) or EMA (Mean Teacher)."""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmwesam.registry import HOOKS


@HOOKS.register_module()
class TeacherUpdateHook(Hook):
    """Own the teacher of a :class:`SelfTrainingTeacher`.

    ``momentum=None`` (WeSAM): teacher and student share weights; there is nothing to
    update, and the hook checks before training that they really are the same tensors.
    With ``momentum`` m the model must keep a separate teacher
    (``ema_teacher=True``); after every ``interval`` iterations
    ``teacher = (1 - m) * teacher + m * student`` (mmdet's MeanTeacherHook convention)
    for the parameters the student trains; frozen ones are equal in both and stay as
    they are.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, momentum: Optional[float] = None, interval: int = 1) -> None:
        if momentum is not None and not 0 < momentum <= 1:
            raise ValueError(f'momentum must be in (0, 1], got {momentum}')
        self.momentum = momentum
        self.interval = interval

    @staticmethod
    def _model(runner: Runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not (hasattr(model, 'teacher') and hasattr(model, 'student')):
            raise TypeError(f'TeacherUpdateHook needs a model with a teacher and a student '
                            f'(SelfTrainingTeacher), got {type(model).__name__}')
        return model

    def before_train(self, runner: Runner) -> None:
        model = self._model(runner)
        teacher = dict(model.teacher.named_parameters())
        student = dict(model.student.named_parameters())
        shared = teacher.keys() == student.keys() and all(
            teacher[name] is student[name] for name in student)
        if self.momentum is None and not shared:
            raise RuntimeError('TeacherUpdateHook(momentum=None) expects teacher and '
                               'student to share weights, but they are separate; set '
                               'momentum for an EMA teacher')
        if self.momentum is not None and shared:
            raise RuntimeError('TeacherUpdateHook(momentum=...) needs a separate teacher: '
                               'set model.ema_teacher=True')

    @torch.no_grad()
    def after_train_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.momentum is None or (runner.iter + 1) % self.interval:
            return
        model = self._model(runner)
        student = dict(model.student.named_parameters())
        for name, param in model.teacher.named_parameters():
            if not student[name].requires_grad:
                # frozen in the student: equal in both, and (1 - m) t + m t would only
                # add rounding noise to the teacher's source weights
                continue
            param.mul_(1 - self.momentum).add_(student[name].detach(), alpha=self.momentum)
        student_buffers = dict(model.student.named_buffers())
        for name, buffer in model.teacher.named_buffers():
            buffer.copy_(student_buffers[name])
