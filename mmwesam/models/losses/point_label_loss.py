"""Partial cross-entropy at labelled points: the points a user clicked are certain."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwesam.registry import MODELS


def sample_logits(logits: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """(N, H, W) logits bilinearly read at (N, P, 2) xy pixel coordinates -> (N, P).

    A point (x, y) lies in pixel (floor(x), floor(y)); pixel centres are at +0.5.
    """
    height, width = logits.shape[-2:]
    grid = torch.stack([points[..., 0] / width, points[..., 1] / height], -1) * 2 - 1
    return F.grid_sample(logits[:, None].float(), grid[:, None].float(), mode='bilinear',
                         padding_mode='border', align_corners=False)[:, 0, 0]


@MODELS.register_module()
class PointLabelLoss(nn.Module):
    """Binary cross-entropy of the mask at the labelled points (1: on the object, 0: off).

    The mean over the points of each instance, then over instances. Labels other than 0
    and 1 (SAM's -1 padding) are left out.

    Args:
        loss_weight: the weight of the term.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, points: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """``logits`` (N, H, W); ``points`` (N, P, 2) xy in that frame; ``labels`` (N, P)."""
        if len(logits) == 0:
            return logits.sum() * 0
        values = sample_logits(logits, points)
        known = (labels == 0) | (labels == 1)
        bce = F.binary_cross_entropy_with_logits(values, labels.clamp(0, 1).float(),
                                                 reduction='none') * known
        per_instance = bce.sum(1) / known.sum(1).clamp(min=1)
        return self.loss_weight * per_instance.mean()
