"""A coarse polygon is certain away from its outline: inside deep inside, outside far out."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwesam.registry import MODELS


def erode(masks: torch.Tensor, margin: int) -> torch.Tensor:
    """(N, H, W) bool masks eroded by a (2 margin + 1) square. The image border is not an
    outline (a polygon clipped by the image goes on beyond it), so it does not erode."""
    if margin <= 0:
        return masks
    # max_pool2d pads with -inf: nothing outside the image counts as background
    background_near = F.max_pool2d((~masks).float()[:, None], 2 * margin + 1, stride=1,
                                   padding=margin)[:, 0] > 0
    return masks & ~background_near


def dilate(masks: torch.Tensor, margin: int) -> torch.Tensor:
    """(N, H, W) bool masks dilated by a (2 margin + 1) square."""
    if margin <= 0:
        return masks
    return F.max_pool2d(masks.float()[:, None], 2 * margin + 1, stride=1,
                        padding=margin)[:, 0] > 0


@MODELS.register_module()
class PolygonBandLoss(nn.Module):
    """Binary cross-entropy on the pixels a coarse polygon is sure of.

    Pixels ``inner_margin`` or more inside the polygon are foreground, pixels more than
    ``outer_margin`` outside it are background; the band around the outline, where a
    quick polygon may be wrong, is left out. The mean over each instance's sure pixels,
    then over instances.

    Args:
        inner_margin, outer_margin: band half-widths in pixels of the loss grid.
        loss_weight: the weight of the term.
    """

    def __init__(self, inner_margin: int = 2, outer_margin: int = 2,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.inner_margin = inner_margin
        self.outer_margin = outer_margin
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, polygons: torch.Tensor) -> torch.Tensor:
        """``logits`` (N, H, W); ``polygons`` (N, H, W) bool polygon masks on that grid."""
        if len(logits) == 0:
            return logits.sum() * 0
        polygons = polygons.bool()
        inside = erode(polygons, self.inner_margin)
        outside = ~dilate(polygons, self.outer_margin)
        sure = (inside | outside).float()
        bce = F.binary_cross_entropy_with_logits(logits.float(), inside.float(),
                                                 reduction='none')
        per_instance = (bce * sure).flatten(1).sum(1) / sure.flatten(1).sum(1).clamp(min=1)
        return self.loss_weight * per_instance.mean()
