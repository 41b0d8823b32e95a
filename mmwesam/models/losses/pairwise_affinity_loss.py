"""BoxInst's pairwise term: neighbouring pixels of similar colour share a label."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwesam.registry import MODELS
from .box_projection_loss import box_masks


def neighbour_offsets(kernel_size: int, dilation: int):
    """(dy, dx) of the kernel_size x kernel_size dilated neighbours, the centre left out."""
    half = kernel_size // 2
    return [(dy * dilation, dx * dilation) for dy in range(-half, half + 1)
            for dx in range(-half, half + 1) if (dy, dx) != (0, 0)]


def _shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """x[..., i + dy, j + dx] with zeros outside (the validity mask removes those)."""
    height, width = x.shape[-2:]
    padded = F.pad(x, (max(-dx, 0), max(dx, 0), max(-dy, 0), max(dy, 0)))
    top, left = max(dy, 0), max(dx, 0)
    return padded[..., top:top + height, left:left + width]


@MODELS.register_module()
class PairwiseAffinityLoss(nn.Module):
    """``-log P(same label)`` over pairs of neighbouring pixels of similar colour.

    For pixels i, j with foreground probabilities p_i, p_j,
    ``P(same) = p_i p_j + (1 - p_i)(1 - p_j)``. A pair counts when its colour similarity
    ``exp(-||c_i - c_j|| / sigma)`` (RGB in [0, 1]) is at least ``threshold``, and, when a
    box is given, when pixel i lies inside the instance's box (BoxInst, CVPR 2021). The
    loss is the mean over counted pairs of each instance, then over instances.

    Args:
        kernel_size: neighbourhood side (3: the 8 neighbours).
        dilation: spacing of the neighbours in pixels.
        threshold: minimum colour similarity of a counted pair.
        sigma: colour distance scale.
        loss_weight: the weight of the term.
    """

    def __init__(self, kernel_size: int = 3, dilation: int = 2, threshold: float = 0.3,
                 sigma: float = 0.5, loss_weight: float = 1.0) -> None:
        super().__init__()
        if kernel_size < 3 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd and >= 3, got {kernel_size}')
        self.offsets = neighbour_offsets(kernel_size, dilation)
        self.threshold = threshold
        self.sigma = sigma
        self.loss_weight = loss_weight

    def similar_pairs(self, image: torch.Tensor) -> torch.Tensor:
        """(K, H, W) bool: pixel (y, x) and its k-th neighbour are of similar colour."""
        height, width = image.shape[-2:]
        valid = torch.ones((1, height, width), device=image.device)
        pairs = []
        for dy, dx in self.offsets:
            distance = (image - _shift(image, dy, dx)).norm(dim=0)
            similarity = torch.exp(-distance / self.sigma)
            inside = _shift(valid, dy, dx)[0] > 0
            pairs.append((similarity >= self.threshold) & inside)
        return torch.stack(pairs)

    def forward(self, logits: torch.Tensor, image: torch.Tensor,
                boxes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``logits`` (N, H, W); ``image`` (3, H, W) RGB in [0, 1] on the same grid;
        ``boxes`` (N, 4) xyxy in that frame or ``None``."""
        if len(logits) == 0:
            return logits.sum() * 0
        logits = logits.float()
        pairs = self.similar_pairs(image.float())[None].float()  # (1, K, H, W)
        if boxes is not None:
            pairs = pairs * box_masks(boxes.float(), *logits.shape[-2:])[:, None]
        # log P(same) from logits, stably: log(sig(a) sig(b) + sig(-a) sig(-b)); summed
        # offset by offset, so no (N, K, H, W) loss tensor is kept
        log_fg, log_bg = F.logsigmoid(logits), F.logsigmoid(-logits)
        total = logits.new_zeros(len(logits))
        for k, (dy, dx) in enumerate(self.offsets):
            same = torch.logaddexp(log_fg + _shift(log_fg, dy, dx),
                                   log_bg + _shift(log_bg, dy, dx))
            total = total - (same * pairs[:, k]).flatten(1).sum(1)
        counted = pairs.flatten(2).sum(2).sum(1).expand(len(logits))
        return self.loss_weight * (total / counted.clamp(min=1)).mean()
