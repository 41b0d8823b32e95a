"""How well predicted masks fit the weak labels they were prompted with (no GT mask used)."""
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmwesam.registry import METRICS

#: the weak label each prompt type is checked against
FIT_KINDS = dict(box='box', box_point='box', point='point', poly='poly', poly_box='poly',
                 poly_mask='poly')


def mask_boxes(masks: torch.Tensor) -> torch.Tensor:
    """(N, H, W) bool -> (N, 4) xyxy tight boxes (far edge exclusive); empty masks: 0."""
    boxes = torch.zeros(len(masks), 4)
    rows, cols = masks.any(2), masks.any(1)
    for i in range(len(masks)):
        ys, xs = torch.nonzero(rows[i])[:, 0], torch.nonzero(cols[i])[:, 0]
        if len(ys):
            boxes[i] = torch.tensor([xs[0], ys[0], xs[-1] + 1, ys[-1] + 1], dtype=torch.float)
    return boxes


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise IoU of (N, 4) xyxy boxes."""
    width = (torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])).clamp(min=0)
    height = (torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])).clamp(min=0)
    inter = width * height
    area = lambda x: (x[:, 2] - x[:, 0]).clamp(min=0) * (x[:, 3] - x[:, 1]).clamp(min=0)  # noqa
    union = area(a) + area(b) - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-9), torch.zeros_like(union))


def point_accuracy(masks: torch.Tensor, points: torch.Tensor,
                   labels: torch.Tensor) -> torch.Tensor:
    """Per instance, the share of its labelled points (0 / 1) that the mask gets right."""
    height, width = masks.shape[-2:]
    xs = points[..., 0].floor().long().clamp(0, width - 1)
    ys = points[..., 1].floor().long().clamp(0, height - 1)
    index = torch.arange(len(masks))[:, None].expand_as(xs)
    predicted = masks[index, ys, xs]
    known = (labels == 0) | (labels == 1)
    right = (predicted == labels.bool()) & known
    return right.sum(1).float() / known.sum(1).clamp(min=1).float()


@METRICS.register_module()
class WeakLabelFitMetric(BaseMetric):
    """Agreement of the predicted masks with the weak labels, a label-free signal.

    Per instance, for the weak label of ``prompt_type``: ``box``: the IoU of the mask's
    tight box with the prompt box; ``point``: the share of labelled points the mask gets
    right; ``poly``: the IoU of the mask's box with the polygon's box. The mean over the
    instances of an image, then over images, in percent (``weak_label_fit``). It reads
    only the prompts, never the GT masks, so it can run on the adaptation split
    (``NoHarmGuardHook``).
    """

    default_prefix = ''

    def __init__(self, prompt_type: str = 'box', collect_device: str = 'cpu',
                 prefix: str = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if prompt_type not in FIT_KINDS:
            raise ValueError(f'WeakLabelFitMetric: prompt_type {prompt_type!r}; use one of '
                             f'{sorted(FIT_KINDS)}')
        self.kind = FIT_KINDS[prompt_type]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            masks = sample['pred_instances']['masks'].cpu().bool()
            if len(masks) == 0:
                continue
            prompts = sample['gt_instances']
            if self.kind == 'point':
                fit = point_accuracy(masks, prompts['prompt_points'].cpu().float(),
                                     prompts['prompt_point_labels'].cpu())
            else:
                field = 'prompt_boxes' if self.kind == 'box' else 'prompt_poly_boxes'
                fit = box_iou(mask_boxes(masks), prompts[field].cpu().float())
            self.results.append(float(fit.mean()))

    def compute_metrics(self, results: List[float]) -> Dict[str, float]:
        if not results:
            raise ValueError('WeakLabelFitMetric: no image with instances was evaluated')
        return dict(weak_label_fit=float(np.mean(results) * 100))
