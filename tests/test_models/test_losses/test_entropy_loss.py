"""BinaryEntropyLoss: mean of -p log p - (1 - p) log(1 - p), finite for large logits."""
import math

import pytest
import torch

from mmwesam.models.losses import BinaryEntropyLoss
from mmwesam.registry import MODELS


def hand_entropy(values) -> float:
    terms = []
    for v in values:
        p = 1 / (1 + math.exp(-v))
        terms.append(-sum(q * math.log(q) for q in (p, 1 - p) if q > 0))
    return sum(terms) / len(terms)


def test_matches_formula():
    logits = torch.tensor([[[-3.0, -0.5], [0.0, 0.7]], [[2.5, 1e-3], [-7.0, 4.0]]])
    loss = BinaryEntropyLoss()(logits)
    assert loss.item() == pytest.approx(hand_entropy(logits.flatten().tolist()), rel=1e-5)
    # p = 0.5 has the largest entropy, log 2
    assert BinaryEntropyLoss()(torch.zeros(1, 3, 3)).item() == pytest.approx(math.log(2))


def test_loss_weight_and_registry():
    logits = torch.linspace(-4, 4, 12).view(2, 2, 3)
    loss = MODELS.build(dict(type='BinaryEntropyLoss', loss_weight=2.5))(logits)
    assert loss.item() == pytest.approx(2.5 * hand_entropy(logits.flatten().tolist()),
                                        rel=1e-5)


def test_extreme_logits_stay_finite():
    logits = torch.tensor([[[100.0, -100.0], [80.0, -90.0]]], requires_grad=True)
    loss = BinaryEntropyLoss()(logits)
    loss.backward()
    assert torch.isfinite(loss) and 0 <= loss.item() < 1e-30
    assert torch.isfinite(logits.grad).all()
    mixed = torch.tensor([[[100.0, -100.0], [0.0, 0.0]]])
    # two saturated pixels contribute ~0, two undecided ones log 2 each
    assert BinaryEntropyLoss()(mixed).item() == pytest.approx(math.log(2) / 2, rel=1e-6)
