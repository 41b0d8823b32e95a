"""InstanceIoUMetric: IoU/F1 per instance, mean per image, then mean over images."""
import json

import numpy as np
import pytest
import torch
from mmdet.structures.mask import BitmapMasks

from mmwesam.evaluation.metrics import InstanceIoUMetric
from mmwesam.evaluation.metrics.instance_iou import instance_iou_f1
from mmwesam.registry import METRICS

H, W = 4, 5


def _mask(*cells):
    mask = torch.zeros(H, W, dtype=torch.bool)
    for y, x in cells:
        mask[y, x] = True
    return mask


def _row(y, x0, x1):
    return [(y, x) for x in range(x0, x1)]


def _sample(img_id, gts, preds, bitmap=False):
    gt = torch.stack(gts) if gts else torch.zeros(0, H, W, dtype=torch.bool)
    pred = torch.stack(preds) if preds else torch.zeros(0, H, W, dtype=torch.bool)
    if bitmap:
        gt = BitmapMasks(gt.numpy().astype(np.uint8), H, W)
    return dict(img_id=img_id, img_path=f'{img_id}.png', gt_instances=dict(masks=gt),
                pred_instances=dict(masks=pred))


def _case():
    """Image 1: one perfect instance. Image 2: IoU 0, 1/2 and 1/4. Image 3: none."""
    image1 = _sample(1, [_mask(*_row(0, 0, 4))], [_mask(*_row(0, 0, 4))])
    image2 = _sample(2, [_mask(*_row(0, 0, 2)),            # pred elsewhere: IoU 0
                         _mask(*_row(1, 0, 4)),            # pred half: IoU 2/4
                         _mask(*_row(2, 0, 2))],           # pred 8 px over 2: IoU 1/4
                     [_mask(*_row(3, 0, 2)),
                      _mask(*_row(1, 0, 2)),
                      _mask(*_row(2, 0, 5), *_row(3, 2, 5))],
                     bitmap=True)
    image3 = _sample(3, [], [])
    return [image1, image2, image3]


def test_instance_iou_f1_hand_computed():
    _, image2, _ = _case()
    gt = torch.from_numpy(image2['gt_instances']['masks'].to_ndarray())
    iou, f1 = instance_iou_f1(image2['pred_instances']['masks'], gt)
    np.testing.assert_allclose(iou, [0, 0.5, 0.25])
    # F1 = 2|A∩B| / (|A| + |B|): 0, 2*2/(2+4), 2*2/(2+8)
    np.testing.assert_allclose(f1, [0, 2 / 3, 0.4])
    both_empty = torch.zeros(1, H, W, dtype=torch.bool)
    assert instance_iou_f1(both_empty, both_empty)[0].tolist() == [1.0]
    assert instance_iou_f1(_mask((0, 0))[None], both_empty)[0].tolist() == [0.0]


def test_mean_per_image_then_over_images(tmp_path):
    per_image = tmp_path / 'per_image.json'
    metric = METRICS.build(dict(type='InstanceIoUMetric', per_image_file=str(per_image)))
    metric.process({}, _case()[:2])
    metric.process({}, _case()[2:])
    metrics = metric.evaluate(3)
    # per image: 1.0 and (0 + 0.5 + 0.25) / 3 = 0.25 -> 62.5; per instance would be 43.75
    assert metrics['mIoU'] == pytest.approx(62.5)
    assert metrics['mIoU'] != pytest.approx(100 * (1 + 0 + 0.5 + 0.25) / 4)
    assert metrics['mF1'] == pytest.approx(100 * (1 + (0 + 2 / 3 + 0.4) / 3) / 2)
    assert metrics['num_images'] == 2  # the image without instances is left out
    assert metrics['num_instances'] == 4
    records = json.loads(per_image.read_text())
    assert [r['img_id'] for r in records] == [1, 2]
    assert [r['num_instances'] for r in records] == [1, 3]
    assert records[0]['iou'] == pytest.approx(1.0)
    assert records[1]['iou'] == pytest.approx(0.25)
    assert records[1]['f1'] == pytest.approx((2 / 3 + 0.4) / 3)
    assert records[1]['img_path'] == '2.png'


def test_image_without_instances_is_counted_in_results():
    metric = InstanceIoUMetric()
    metric.process({}, _case())
    assert [r['num_instances'] for r in metric.results] == [1, 3, 0]
    assert metric.compute_metrics(metric.results)['num_images'] == 2


def test_only_empty_images_is_an_error():
    metric = InstanceIoUMetric()
    metric.process({}, [_sample(1, [], [])])
    with pytest.raises(ValueError, match='no image with instances'):
        metric.compute_metrics(metric.results)


def test_shape_mismatch_is_an_error():
    metric = InstanceIoUMetric()
    sample = _sample(1, [_mask((0, 0)), _mask((1, 1))], [_mask((0, 0))])
    with pytest.raises(ValueError, match=r'1\.png: predicted masks \(1, 4, 5\) do not '
                       r'match GT masks \(2, 4, 5\)'):
        metric.process({}, [sample])


def test_an_image_scored_twice_is_an_error():
    # e.g. a padded distributed sampler whose repeats were not dropped: the mean would
    # weigh that image twice
    metric = InstanceIoUMetric()
    metric.process({}, _case())
    metric.process({}, _case()[1:2])
    with pytest.raises(ValueError, match=r'scored more than once \(ids \[2\]\)'):
        metric.compute_metrics(metric.results)
