"""PointLabelLoss at hand-placed points."""
import math

import torch

from mmwesam.models.losses import PointLabelLoss
from mmwesam.models.losses.point_label_loss import sample_logits


def test_points_at_pixel_centres_read_their_pixel():
    logits = torch.arange(20.0).view(1, 4, 5)
    points = torch.tensor([[[0.5, 0.5], [3.5, 2.5], [4.5, 3.5], [1.0, 0.5]]])
    values = sample_logits(logits, points)
    assert torch.allclose(values, torch.tensor([[0.0, 13.0, 19.0, 0.5]]))


def test_undecided_logits_cost_log_two_and_right_ones_nothing():
    points = torch.tensor([[[1.5, 1.5], [5.5, 5.5]]])
    labels = torch.tensor([[1, 0]])
    assert math.isclose(PointLabelLoss()(torch.zeros(1, 8, 8), points, labels).item(),
                        math.log(2), rel_tol=1e-6)
    logits = torch.full((1, 8, 8), -20.0)
    logits[0, :4, :4] = 20.0
    assert PointLabelLoss()(logits, points, labels).item() < 1e-6


def test_padding_labels_are_left_out():
    logits = torch.full((1, 8, 8), -20.0)
    points = torch.tensor([[[1.5, 1.5], [1.5, 1.5]]])
    # one negative point (right: ~0) and one padding point (-1) that would cost 20
    loss = PointLabelLoss(loss_weight=3.0)(logits, points, torch.tensor([[0, -1]]))
    assert loss.item() < 1e-6
    loss = PointLabelLoss(loss_weight=3.0)(logits, points, torch.tensor([[1, -1]]))
    assert math.isclose(loss.item(), 3 * 20.0, rel_tol=1e-6)
