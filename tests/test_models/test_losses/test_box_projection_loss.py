"""BoxProjectionLoss on hand-made masks whose projections are known."""
import math

import torch

from mmwesam.models.losses import BoxProjectionLoss
from mmwesam.models.losses.box_projection_loss import box_masks

BIG = 30.0  # sigmoid(30) = 1 - 1e-13


def _logits(mask):
    return torch.where(mask.bool(), BIG, -BIG)


def test_box_masks_take_the_pixels_the_box_overlaps():
    masks = box_masks(torch.tensor([[1.0, 2.0, 4.0, 3.0], [0.4, 0.6, 1.6, 1.4]]), 4, 5)
    expected = torch.zeros(2, 4, 5)
    expected[0, 2:3, 1:4] = 1  # integer box: exactly its pixels
    expected[1, 0:2, 0:2] = 1  # smaller than 2 x 2 pixels, touching four
    assert torch.equal(masks, expected)


def test_a_mask_that_fills_its_box_costs_nothing():
    box = torch.tensor([[2.0, 1.0, 6.0, 5.0]])
    loss = BoxProjectionLoss()(_logits(box_masks(box, 8, 10)), box)
    assert abs(loss.item()) < 1e-6


def test_half_a_box_wide_costs_a_third_on_one_axis():
    box = torch.tensor([[2.0, 1.0, 6.0, 5.0]])  # 4 columns, 4 rows
    mask = torch.zeros(1, 8, 10)
    mask[0, 1:5, 2:4] = 1  # every row of the box, half its columns
    # x-projection: 2 of 4 columns: 1 - 2 * 2 / (2 + 4) = 1/3; y-projection exact: 0
    loss = BoxProjectionLoss(loss_weight=2.0)(_logits(mask), box)
    assert math.isclose(loss.item(), 2 / 3, abs_tol=1e-6)


def test_mean_over_instances_and_the_gradient_reaches_the_logits():
    boxes = torch.tensor([[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0]])
    logits = torch.zeros(2, 4, 4, requires_grad=True)  # p = 0.5 everywhere
    loss = BoxProjectionLoss()(logits, boxes)
    # each axis: p = 0.5 on 4 bins, t = 1 on 2: 1 - 2 * 1 / (4 * 0.25 + 2) = 1/3
    assert math.isclose(loss.item(), 2 / 3, abs_tol=1e-6)
    loss.backward()
    assert logits.grad.abs().sum() > 0
