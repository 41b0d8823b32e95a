"""PairwiseAffinityLoss on images and masks whose pair counts are known."""
import math

import torch

from mmwesam.models.losses import PairwiseAffinityLoss

BIG = 30.0


def _two_tone(height=8, width=8):
    image = torch.zeros(3, height, width)
    image[:, :, width // 2:] = 1.0  # left black, right white: distance sqrt(3)
    return image


def test_undecided_masks_cost_log_two_per_pair():
    loss = PairwiseAffinityLoss(dilation=1)(torch.zeros(2, 6, 7), torch.rand(3, 6, 7) * 0.01)
    assert math.isclose(loss.item(), math.log(2), rel_tol=1e-6)


def test_pairs_across_a_colour_edge_do_not_count():
    loss_fn = PairwiseAffinityLoss(dilation=1, threshold=0.3, sigma=0.5)
    pairs = loss_fn.similar_pairs(_two_tone())
    # exp(-sqrt(3) / 0.5) = 0.03 < 0.3: no pair across the edge; all others are counted,
    # except neighbours outside the image. Horizontal right-neighbour pairs: 8 rows x 6
    right = loss_fn.offsets.index((0, 1))
    assert pairs[right].sum().item() == 8 * 6
    # a mask that follows the edge: every counted pair agrees
    mask = torch.where(_two_tone()[0] == 0, BIG, -BIG)[None]
    assert loss_fn(mask, _two_tone()).item() < 1e-6


def test_a_mask_that_splits_a_region_pays_for_the_split_pairs():
    loss_fn = PairwiseAffinityLoss(kernel_size=3, dilation=1)
    logits = torch.full((1, 4, 4), -BIG)
    logits[0, :, :1] = BIG  # column 0 foreground in a uniform image
    loss = loss_fn(logits, torch.zeros(3, 4, 4))
    # -log P(same) = 30 (log(e^-30 + e^-30) to 1e-12) for pairs across the split; count them
    pairs = loss_fn.similar_pairs(torch.zeros(3, 4, 4))
    split = 0
    for k, (dy, dx) in enumerate(loss_fn.offsets):
        for y in range(4):
            for x in range(4):
                if pairs[k, y, x] and (x == 0) != (x + dx == 0):
                    split += 1
    expected = split * (BIG - math.log(2)) / pairs.sum().item()
    assert math.isclose(loss.item(), expected, rel_tol=1e-4)


def test_a_box_limits_the_pairs_to_its_inside():
    loss_fn = PairwiseAffinityLoss(dilation=1)
    logits = torch.full((1, 6, 6), -BIG)
    logits[0, 4:, 4:] = 0.0  # undecided only outside the box
    box = torch.tensor([[0.0, 0.0, 3.0, 3.0]])
    assert loss_fn(logits, torch.zeros(3, 6, 6), box).item() < 1e-6
    assert loss_fn(logits, torch.zeros(3, 6, 6)).item() > 0.01
