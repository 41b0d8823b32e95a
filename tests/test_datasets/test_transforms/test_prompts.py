"""SampleInstances and GeneratePrompts on masks with known boxes, insides and outsides."""
import copy

import cv2
import numpy as np
import pytest
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks

from mmwesam.datasets.transforms import GeneratePrompts, SampleInstances, polygon_mask
from mmwesam.registry import TRANSFORMS
from helpers import mask_iou

H, W = 40, 50


def _rect(y0, x0, y1, x1, h=H, w=W):
    mask = np.zeros((h, w), np.uint8)
    mask[y0:y1, x0:x1] = 1
    return mask


def _ellipse(cy, cx, ry, rx, h=H, w=W, angle=0):
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (cx, cy), (rx, ry), angle, 0, 360, 1, -1)
    return mask


def _results(masks, ignore=None, img_id=1):
    masks = np.stack(masks).astype(np.uint8) if len(masks) else np.zeros((0, H, W), np.uint8)
    num = len(masks)
    boxes = np.array([[i, i, i + 5, i + 5] for i in range(num)], np.float32).reshape(-1, 4)
    return dict(img_id=img_id, img_path=f'{img_id}.png', img=np.zeros((H, W, 3), np.uint8),
                img_shape=(H, W), ori_shape=(H, W),
                gt_masks=BitmapMasks(masks, H, W), gt_bboxes=HorizontalBoxes(boxes),
                gt_bboxes_labels=np.arange(num, dtype=np.int64),
                gt_ignore_flags=np.zeros(num, bool) if ignore is None
                else np.asarray(ignore, bool))


# ---------------------------------------------------------------- SampleInstances
def test_sample_instances_drops_crowd_and_empty_and_counts_them():
    masks = [_rect(0, 0, 5, 5), _rect(0, 0, 0, 0), _rect(10, 10, 20, 20), _rect(1, 1, 3, 3),
             _rect(30, 30, 32, 33)]
    results = SampleInstances()(_results(masks, ignore=[0, 0, 1, 0, 0]))
    assert results['num_dropped_instances'] == 2  # the empty mask and the crowd one
    assert results['gt_bboxes_labels'].tolist() == [0, 3, 4]
    assert results['gt_ignore_flags'].tolist() == [False] * 3
    np.testing.assert_array_equal(results['gt_masks'].to_ndarray(),
                                  np.stack([masks[0], masks[3], masks[4]]))
    np.testing.assert_array_equal(results['gt_bboxes'].tensor.numpy()[:, 0], [0, 3, 4])


def test_sample_instances_min_area():
    masks = [_rect(0, 0, 2, 2), _rect(0, 0, 3, 3), _rect(0, 0, 1, 1)]  # 4, 9, 1 px
    results = SampleInstances(min_area=5)(_results(masks))
    assert results['gt_bboxes_labels'].tolist() == [1]
    assert results['num_dropped_instances'] == 2


def test_sample_instances_max_instances():
    masks = [_rect(i, i, i + 2 + i % 3, i + 3) for i in range(10)]
    transform = SampleInstances(max_instances=4)
    np.random.seed(0)
    chosen = set()
    for _ in range(20):
        results = transform(_results(masks))
        labels = results['gt_bboxes_labels']
        assert len(labels) == 4 and len(set(labels.tolist())) == 4
        assert labels.tolist() == sorted(labels.tolist())  # original order kept
        # masks, boxes and labels stay aligned
        for row, label in enumerate(labels):
            np.testing.assert_array_equal(results['gt_masks'].to_ndarray()[row],
                                          masks[label])
            assert results['gt_bboxes'].tensor[row, 0].item() == label
        assert results['num_dropped_instances'] == 0  # sampling is not dropping
        chosen.add(tuple(labels.tolist()))
    assert len(chosen) > 5  # a random subset, not the first four
    kept_all = SampleInstances(max_instances=None)(_results(masks))
    assert len(kept_all['gt_bboxes_labels']) == 10
    few = SampleInstances(max_instances=40)(_results(masks[:3]))
    assert few['gt_bboxes_labels'].tolist() == [0, 1, 2]


def test_sample_instances_without_instances():
    results = SampleInstances(max_instances=3)(_results([]))
    assert results['num_dropped_instances'] == 0 and len(results['gt_masks']) == 0


# ---------------------------------------------------------------- GeneratePrompts
def test_tight_boxes_are_exact():
    masks = [_rect(10, 5, 20, 25), _ellipse(25, 30, 6, 9), _rect(0, 0, 40, 50)]
    results = GeneratePrompts(seed=0)(_results(masks))
    np.testing.assert_array_equal(results['prompt_boxes'],
                                  [[5, 10, 25, 20], [21, 19, 40, 32], [0, 0, 50, 40]])
    assert results['prompt_boxes'].dtype == np.float32
    ys, xs = np.nonzero(masks[1])
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (21, 19, 40, 32)


def test_points_inside_and_outside():
    masks = [_ellipse(20, 20, 8, 12), _rect(2, 30, 10, 48), _rect(0, 0, 40, 50)]
    results = GeneratePrompts(num_pos=5, num_neg=4, seed=3)(_results(masks))
    points, labels = results['prompt_points'], results['prompt_point_labels']
    assert points.shape == (3, 9, 2) and points.dtype == np.float32
    assert labels.shape == (3, 9) and labels.dtype == np.int64
    assert (labels[:, :5] == 1).all() and (labels[:, 5:] == 0).all()
    for i in range(2):
        xs, ys = points[i, :, 0].astype(int), points[i, :, 1].astype(int)
        assert np.array_equal(points[i], np.round(points[i]))  # pixel positions
        assert masks[i][ys[:5], xs[:5]].all()
        assert not masks[i][ys[5:], xs[5:]].any()
    # a mask covering the whole image has no outside: "negatives" fall back inside it
    assert masks[2][points[2, :, 1].astype(int), points[2, :, 0].astype(int)].all()


def test_no_points_when_zero_requested():
    results = GeneratePrompts(num_pos=2, num_neg=0, seed=0)(_results([_rect(5, 5, 9, 9)]))
    assert results['prompt_points'].shape == (1, 2, 2)
    assert results['prompt_point_labels'].tolist() == [[1, 1]]


def _prompts(results):
    return (results['prompt_boxes'], results['prompt_points'],
            results['prompt_masks'].to_ndarray(), results['prompt_poly_boxes'])


def test_seeded_prompts_repeatable_per_image_and_order_free():
    masks_a = [_ellipse(20, 20, 8, 12), _rect(2, 30, 10, 48)]
    masks_b = [_ellipse(15, 30, 10, 10)]
    transform = GeneratePrompts(box_jitter=0.1, seed=7)
    a_first = transform(_results(masks_a, img_id=1))
    b_second = transform(_results(masks_b, img_id=2))
    b_first = GeneratePrompts(box_jitter=0.1, seed=7)(_results(masks_b, img_id=2))
    a_second = GeneratePrompts(box_jitter=0.1, seed=7)(_results(masks_a, img_id=1))
    for x, y in zip(_prompts(a_first), _prompts(a_second)):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(_prompts(b_first), _prompts(b_second)):
        np.testing.assert_array_equal(x, y)
    # another image id or another seed draws other prompts for the same masks
    other_id = transform(_results(masks_a, img_id=3))
    other_seed = GeneratePrompts(box_jitter=0.1, seed=8)(_results(masks_a, img_id=1))
    for other in (other_id, other_seed):
        assert not np.array_equal(other['prompt_points'], a_first['prompt_points'])
        assert not np.array_equal(other['prompt_boxes'], a_first['prompt_boxes'])


def test_unseeded_prompts_follow_global_numpy_state():
    masks = [_ellipse(20, 20, 8, 12)]
    transform = GeneratePrompts()
    np.random.seed(1)
    first = transform(_results(masks))['prompt_points']
    second = transform(_results(masks))['prompt_points']
    np.random.seed(1)
    again = transform(_results(masks))['prompt_points']
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)


def test_box_jitter_bounded_and_clipped():
    masks = [_rect(10, 10, 30, 40), _rect(0, 0, 12, 12), _rect(30, 40, 40, 50)]
    tight = np.array([[10, 10, 40, 30], [0, 0, 12, 12], [40, 30, 50, 40]], np.float32)
    size = np.array([[30, 20, 30, 20], [12, 12, 12, 12], [10, 10, 10, 10]], np.float32)
    moved = False
    for img_id in range(10):
        boxes = GeneratePrompts(box_jitter=0.2, seed=0)(
            _results(masks, img_id=img_id))['prompt_boxes']
        assert (boxes[:, 0::2] >= 0).all() and (boxes[:, 0::2] <= W).all()
        assert (boxes[:, 1::2] >= 0).all() and (boxes[:, 1::2] <= H).all()
        assert (np.abs(boxes - tight) <= 0.2 * size + 1e-4).all()
        moved |= not np.allclose(boxes[0], tight[0])
        # the masks at the border push their boxes out, so clipping is exercised
        assert boxes[1, 0] >= 0 and boxes[2, 2] <= W
    assert moved


def test_polygon_prompt_is_coarse_but_close():
    masks = [_ellipse(20, 25, 15, 20), _ellipse(20, 25, 12, 8, angle=30)]
    results = GeneratePrompts(seed=0)(_results(masks))
    coarse = results['prompt_masks'].to_ndarray().astype(bool)
    assert coarse.shape == (2, H, W)
    for mask, poly, box in zip(masks, coarse, results['prompt_poly_boxes']):
        iou = mask_iou(mask.astype(bool), poly)
        assert 0.7 < iou < 1.0, iou  # a polygon: close to the mask, not the mask
        contours, _ = cv2.findContours(poly.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        assert len(contours) == 1
        vertices = cv2.approxPolyDP(contours[0], 1.0, True)
        assert 3 <= len(vertices) <= 20  # a few straight sides, not the pixel outline
        ys, xs = np.nonzero(poly)
        np.testing.assert_array_equal(box, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])


def test_polygon_mask_epsilon():
    mask = _ellipse(20, 25, 15, 20).astype(bool)
    fine = polygon_mask(mask, epsilon_ratio=0.001, min_epsilon=0.5)
    coarse = polygon_mask(mask, epsilon_ratio=0.1)
    assert mask_iou(mask, fine) > mask_iou(mask, coarse)
    assert mask_iou(mask, fine) > 0.95


@pytest.mark.parametrize('tiny', [_rect(5, 5, 6, 6), _rect(5, 5, 7, 7), _rect(5, 5, 6, 20),
                                  _rect(3, 3, 6, 5)])
def test_polygon_mask_keeps_tiny_objects(tiny):
    coarse = polygon_mask(tiny)
    assert coarse.any()
    assert (coarse & tiny.astype(bool)).sum() >= 1
    assert mask_iou(coarse, tiny.astype(bool)) >= 0.5


def test_polygon_of_several_parts():
    mask = _rect(2, 2, 15, 15) | _rect(25, 30, 38, 48)
    coarse = polygon_mask(mask)
    assert coarse[8, 8] and coarse[31, 39] and not coarse[20, 20]
    assert mask_iou(mask.astype(bool), coarse) > 0.9


def test_empty_mask_is_an_error():
    with pytest.raises(ValueError, match='empty mask; put SampleInstances before'):
        GeneratePrompts()(_results([_rect(1, 1, 4, 4), _rect(0, 0, 0, 0)]))


def test_no_instances_gives_empty_prompts():
    results = GeneratePrompts(seed=0)(_results([]))
    assert results['prompt_boxes'].shape == (0, 4)
    assert results['prompt_points'].shape == (0, 10, 2)
    assert results['prompt_point_labels'].shape == (0, 10)
    assert len(results['prompt_masks']) == 0
    assert results['prompt_poly_boxes'].shape == (0, 4)


def test_registered_by_name():
    transform = TRANSFORMS.build(dict(type='GeneratePrompts', num_pos=3, seed=1))
    assert isinstance(transform, GeneratePrompts) and transform.num_pos == 3
    assert 'seed=1' in repr(transform)
    sample = TRANSFORMS.build(dict(type='SampleInstances', max_instances=5))
    assert 'max_instances=5' in repr(sample)
    results = _results([_rect(1, 1, 4, 4)])
    untouched = copy.deepcopy(results)
    transform(results)
    np.testing.assert_array_equal(results['gt_masks'].to_ndarray(),
                                  untouched['gt_masks'].to_ndarray())


def test_sample_instances_says_why_it_dropped():
    masks = [_rect(0, 0, 5, 5), _rect(0, 0, 0, 0), _rect(10, 10, 20, 20), _rect(0, 0, 0, 0)] + \
        [_rect(i, i, i + 3, i + 3) for i in range(6)]
    # mask 1 empty, mask 2 crowd, mask 3 empty AND crowd (counted once, as ignored)
    results = SampleInstances(max_instances=4)(
        _results(masks, ignore=[0, 0, 1, 1, 0, 0, 0, 0, 0, 0]))
    assert results['instance_counts'] == dict(loaded=10, ignored=2, empty=1, not_sampled=3)
    assert results['num_dropped_instances'] == 3 and len(results['gt_masks']) == 4
