"""WeakLabelFitMetric on hand-made masks and prompts (no GT mask is read)."""
import math

import pytest
import torch

from mmwesam.evaluation import WeakLabelFitMetric
from mmwesam.evaluation.metrics.weak_label_fit import box_iou, mask_boxes, point_accuracy


def _masks():
    masks = torch.zeros(2, 10, 10, dtype=torch.bool)
    masks[0, 2:6, 1:5] = True  # box (1, 2, 5, 6)
    return masks  # the second is empty


def test_mask_boxes_box_iou_and_point_accuracy():
    assert mask_boxes(_masks()).tolist() == [[1, 2, 5, 6], [0, 0, 0, 0]]
    iou = box_iou(torch.tensor([[1.0, 2, 5, 6], [0, 0, 2, 2]]),
                  torch.tensor([[1.0, 2, 5, 8], [4, 4, 6, 6]]))
    assert torch.allclose(iou, torch.tensor([16 / 24, 0.0]))
    points = torch.tensor([[[2.5, 3.5], [8.5, 8.5], [0.5, 0.5]], [[1.5, 1.5], [0, 0], [0, 0]]])
    labels = torch.tensor([[1, 0, 1], [0, -1, -1]])
    accuracy = point_accuracy(_masks(), points, labels)
    # the padding points of the second are ignored
    assert torch.allclose(accuracy, torch.tensor([2 / 3, 1.0]))


@pytest.mark.parametrize('prompt_type,expected',
                         [('box', (16 / 24 + 0) / 2), ('point', (2 / 3 + 1) / 2)])
def test_the_metric_is_the_mean_over_instances_then_images(prompt_type, expected):
    metric = WeakLabelFitMetric(prompt_type=prompt_type)
    prompts = dict(prompt_boxes=torch.tensor([[1.0, 2, 5, 8], [4, 4, 6, 6]]),
                   prompt_points=torch.tensor([[[2.5, 3.5], [8.5, 8.5], [0.5, 0.5]],
                                               [[1.5, 1.5], [0, 0], [0, 0]]]),
                   prompt_point_labels=torch.tensor([[1, 0, 1], [0, -1, -1]]))
    perfect = dict(prompt_boxes=torch.tensor([[1.0, 2, 5, 6]]),
                   prompt_points=torch.tensor([[[2.5, 3.5]]]),
                   prompt_point_labels=torch.tensor([[1]]))
    metric.process({}, [dict(pred_instances=dict(masks=_masks()), gt_instances=prompts),
                        dict(pred_instances=dict(masks=_masks()[:1]), gt_instances=perfect)])
    fit = metric.compute_metrics(metric.results)['weak_label_fit']
    assert math.isclose(fit, (expected + 1) / 2 * 100, rel_tol=1e-6)


def test_an_unknown_prompt_type_is_an_error():
    with pytest.raises(ValueError, match='prompt_type'):
        WeakLabelFitMetric(prompt_type='scribble')
