"""Mean binary entropy of mask predictions (TENT's objective for SAM)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwesam.registry import MODELS


@MODELS.register_module()
class BinaryEntropyLoss(nn.Module):
    """Per-pixel entropy of sigmoid(logits), averaged over pixels and instances."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        probs = logits.sigmoid()
        # -p log p - (1-p) log(1-p), written with logsigmoid to stay finite
        entropy = -(probs * F.logsigmoid(logits) + (1 - probs) * F.logsigmoid(-logits))
        return self.loss_weight * entropy.mean()
