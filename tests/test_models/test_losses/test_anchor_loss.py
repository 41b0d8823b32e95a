"""AnchorLoss: 0.5 * Dice(student, anchor > 0) + 0.5 * Dice(teacher, anchor > 0)."""
import math

import pytest
import torch

from mmwesam.models.losses import AnchorLoss
from mmwesam.registry import MODELS


def hand_dice(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> float:
    """mmdet's naive Dice (eps 1) of sigmoid(logits), per mask, averaged, in Python."""
    per_mask = []
    for row_logits, row_target in zip(logits.tolist(), target.tolist()):
        probs = [1 / (1 + math.exp(-v)) for v in sum(row_logits, [])]
        labels = [float(v) for v in sum(row_target, [])]
        inter = sum(p * t for p, t in zip(probs, labels))
        per_mask.append(1 - (2 * inter + eps) / (sum(probs) + sum(labels) + eps))
    return sum(per_mask) / len(per_mask)


def _inputs(seed=0, shape=(3, 5, 6)):
    gen = torch.Generator().manual_seed(seed)
    student = torch.randn(shape, generator=gen) * 3
    teacher = torch.randn(shape, generator=gen) * 3
    anchor = torch.randn(shape, generator=gen) * 3
    anchor[0, 0, :] = 0.0  # exactly zero is background (anchor > 0)
    return student, teacher, anchor


def test_default_weights_match_hand_computation():
    student, teacher, anchor = _inputs()
    loss = AnchorLoss()(student, teacher, anchor)
    target = anchor > 0
    expected = 0.5 * hand_dice(student, target) + 0.5 * hand_dice(teacher, target)
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
    # the zero row really counts as background: flipping it to > 0 changes the loss
    anchor[0, 0, :] = 1.0
    assert AnchorLoss()(student, teacher, anchor).item() != pytest.approx(expected, abs=1e-6)


def test_weights_and_registry_build():
    student, teacher, anchor = _inputs(seed=1)
    loss = MODELS.build(dict(type='AnchorLoss', student_weight=0.2, teacher_weight=0.8,
                             loss_weight=3.0))(student, teacher, anchor)
    target = anchor > 0
    expected = 3.0 * (0.2 * hand_dice(student, target) + 0.8 * hand_dice(teacher, target))
    assert loss.item() == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_no_gradient_into_anchor():
    student, teacher, anchor = (t.requires_grad_() for t in _inputs(seed=2))
    AnchorLoss()(student, teacher, anchor).backward()
    assert anchor.grad is None
    for tensor in (student, teacher):
        assert tensor.grad is not None and torch.isfinite(tensor.grad).all()
        assert tensor.grad.abs().sum() > 0


def test_agreeing_masks_give_near_zero_and_empty_anchor_is_finite():
    _, _, anchor = _inputs(seed=3)
    confident = torch.where(anchor > 0, torch.tensor(50.0), torch.tensor(-50.0))
    assert AnchorLoss()(confident, confident, anchor).item() == pytest.approx(0.0, abs=1e-6)

    empty_anchor = -torch.ones(2, 4, 4)
    student = torch.randn(2, 4, 4)
    loss = AnchorLoss()(student, student, empty_anchor)
    # target all zero: Dice = 1 - 1 / (sum(sigmoid) + 1)
    expected = hand_dice(student, empty_anchor > 0)
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
