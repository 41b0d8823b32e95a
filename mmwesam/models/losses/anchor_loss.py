"""Anchor regularisation: keep the adapted model's masks near the source model's."""
import torch
import torch.nn as nn

from mmwesam.registry import MODELS


@MODELS.register_module()
class AnchorLoss(nn.Module):
    """``student_weight * Dice(student, anchor>0) + teacher_weight * Dice(teacher, anchor>0)``.

    Args:
        dice: the Dice loss applied to (N, h*w) logits against binary targets.
    """

    def __init__(self, student_weight: float = 0.5, teacher_weight: float = 0.5,
                 loss_weight: float = 1.0,
                 dice: dict = dict(type='mmdet.DiceLoss', use_sigmoid=True, activate=True,
                                   naive_dice=True, eps=1.0, loss_weight=1.0)) -> None:
        super().__init__()
        self.student_weight = student_weight
        self.teacher_weight = teacher_weight
        self.loss_weight = loss_weight
        self.dice = MODELS.build(dice)

    def forward(self, student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                anchor_logits: torch.Tensor) -> torch.Tensor:
        """All inputs (N, h, w) logits on the same grid; the anchor carries no gradient."""
        target = (anchor_logits.detach() > 0).flatten(1).float()
        loss = self.student_weight * self.dice(student_logits.flatten(1).float(), target) \
            + self.teacher_weight * self.dice(teacher_logits.flatten(1).float(), target)
        return self.loss_weight * loss
