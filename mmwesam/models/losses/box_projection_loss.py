"""BoxInst's projection loss: a tight box fixes the mask's projections on both axes."""
import torch
import torch.nn as nn

from mmwesam.registry import MODELS


def box_masks(boxes: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(N, 4) xyxy boxes -> (N, H, W) float masks of the pixels that overlap the box.

    Pixel (y, x) covers [x, x + 1) x [y, y + 1). For boxes on integer coordinates these
    are the pixels inside; a box smaller than a pixel of a coarse grid (a small object
    on the decoder's low-res grid) still marks the pixels it touches.
    """
    ys = torch.arange(height, device=boxes.device, dtype=boxes.dtype)
    xs = torch.arange(width, device=boxes.device, dtype=boxes.dtype)
    inside_y = (ys[None] + 1 > boxes[:, 1:2]) & (ys[None] < boxes[:, 3:4])  # (N, H)
    inside_x = (xs[None] + 1 > boxes[:, 0:1]) & (xs[None] < boxes[:, 2:3])  # (N, W)
    return (inside_y[:, :, None] & inside_x[:, None, :]).float()


def dice_loss(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """BoxInst's dice on (N, L): 1 - 2 sum(p t) / (sum(p^2) + sum(t^2)), per row."""
    inter = (pred * target).sum(1)
    return 1 - 2 * inter / ((pred * pred).sum(1) + (target * target).sum(1)).clamp(min=eps)


@MODELS.register_module()
class BoxProjectionLoss(nn.Module):
    """Dice between the mask's and the box's projections on the x and y axes.

    For a tight box, the maximum of the mask over each column is 1 inside the box's
    x-range and 0 outside, and likewise over each row: the two projections of the box.
    The loss is ``dice(max_y p, max_y b) + dice(max_x p, max_x b)`` with p the mask
    probabilities (Tian et al., BoxInst, CVPR 2021), the mean over instances.

    Args:
        loss_weight: the weight of the term.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """``logits`` (N, H, W); ``boxes`` (N, 4) xyxy in the same pixel frame."""
        if len(logits) == 0:
            return logits.sum() * 0
        probs = logits.float().sigmoid()
        target = box_masks(boxes.float(), *logits.shape[-2:])
        loss = dice_loss(probs.amax(1), target.amax(1)) + \
            dice_loss(probs.amax(2), target.amax(2))
        return self.loss_weight * loss.mean()
