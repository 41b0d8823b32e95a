"""Instance-level contrast between adapted (teacher) and source (anchor) features."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwesam.registry import MODELS


def mask_pooled_features(embedding: torch.Tensor, mask_logits: torch.Tensor,
                         threshold: float = 0.5) -> torch.Tensor:
    """Mean of L2-normalised features inside each instance's mask.

    Args:
        embedding: (C, h, w) image embedding.
        mask_logits: (N, H, W) mask logits of the same image, any resolution; resized
            to (h, w).

    A mask with no cell above ``threshold`` on the coarse grid (a tiny object) is pooled
    with its soft sigmoid weights instead, so it still yields a feature.
    """
    features = F.normalize(embedding, dim=0).flatten(1)  # (C, h*w)
    probs = F.interpolate(mask_logits.detach()[:, None].float(), embedding.shape[-2:],
                          mode='bilinear', align_corners=False)[:, 0].sigmoid().flatten(1)
    weights = (probs > threshold).float()
    empty = weights.sum(1) == 0
    weights = torch.where(empty[:, None], probs, weights)
    return weights @ features.t() / weights.sum(1, keepdim=True).clamp(min=1e-6)


@MODELS.register_module()
class InstanceContrastLoss(nn.Module):
    """InfoNCE between the teacher's and the anchor's mask-pooled instance features.

    The positive of teacher instance i is anchor instance i (same prompt); the other
    anchor instances are its negatives. With fewer than two instances there is no
    negative and the loss is undefined: :meth:`forward` returns ``None`` so that the
    caller skips it and counts the skip.
    """

    def __init__(self, temperature: float = 0.3, mask_threshold: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.mask_threshold = mask_threshold
        self.loss_weight = loss_weight

    def forward(self, teacher_embedding: torch.Tensor, anchor_embedding: torch.Tensor,
                teacher_mask_logits: torch.Tensor, anchor_mask_logits: torch.Tensor
                ) -> Optional[torch.Tensor]:
        if teacher_mask_logits.shape[0] < 2:
            return None
        # in fp32 also under autocast: bf16 logits / temperature would round to ~1 %
        with torch.autocast(teacher_embedding.device.type, enabled=False):
            return self._info_nce(teacher_embedding.float(), anchor_embedding.float(),
                                  teacher_mask_logits, anchor_mask_logits)

    def _info_nce(self, teacher_embedding: torch.Tensor, anchor_embedding: torch.Tensor,
                  teacher_mask_logits: torch.Tensor, anchor_mask_logits: torch.Tensor
                  ) -> torch.Tensor:
        teacher = F.normalize(mask_pooled_features(
            teacher_embedding, teacher_mask_logits, self.mask_threshold), dim=1)
        with torch.no_grad():
            anchor = F.normalize(mask_pooled_features(
                anchor_embedding.detach(), anchor_mask_logits, self.mask_threshold), dim=1)
        logits = teacher @ anchor.t() / self.temperature
        labels = torch.arange(len(logits), device=logits.device)
        return self.loss_weight * F.cross_entropy(logits, labels)
