"""Weak labels as SAM prompts: boxes, points and coarse polygons from GT masks."""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.structures.mask import BitmapMasks

from mmwesam.registry import TRANSFORMS
from .loading import wrap_bitmap_masks

_INSTANCE_KEYS = ('gt_bboxes', 'gt_bboxes_labels', 'gt_masks', 'gt_ignore_flags')


def _index_instances(results: dict, keep: np.ndarray) -> None:
    """Keep the instances ``keep``: no copy when that is all of them, and masks copied
    once (``BitmapMasks[...]`` copies twice)."""
    if len(keep) == len(results['gt_masks']):
        return
    for key in _INSTANCE_KEYS:
        if key not in results:
            continue
        value = results[key]
        results[key] = wrap_bitmap_masks(value.masks[keep]) \
            if isinstance(value, BitmapMasks) else value[keep]


@TRANSFORMS.register_module()
class SampleInstances(BaseTransform):
    """Drop ignored (crowd) and empty instances, then keep at most ``max_instances``.

    The number of dropped instances is stored in ``results['num_dropped_instances']``, and
    ``results['instance_counts']`` says why (``ignored``: crowd / ignore flag; ``empty``:
    fewer than ``min_area`` pixels; ``not_sampled``: over ``max_instances``), so that
    :class:`~mmwesam.engine.hooks.InstanceCountHook` logs them for the run instead of the
    data silently shrinking.

    Args:
        max_instances: at most this many instances, sampled at random without
            replacement (``None`` keeps all; evaluation keeps all).
        min_area: instances whose mask has fewer pixels are dropped.
    """

    def __init__(self, max_instances: Optional[int] = None, min_area: int = 1) -> None:
        self.max_instances = max_instances
        self.min_area = min_area

    def transform(self, results: dict) -> dict:
        masks = results['gt_masks']
        areas = masks.areas if len(masks) else np.zeros(0)
        ignored = results['gt_ignore_flags'].astype(bool) if 'gt_ignore_flags' in results \
            else np.zeros(len(masks), dtype=bool)
        empty = (np.asarray(areas) < self.min_area) & ~ignored
        keep = np.flatnonzero(~(ignored | empty))
        results['num_dropped_instances'] = len(masks) - len(keep)
        loaded = len(keep)
        if self.max_instances is not None and len(keep) > self.max_instances:
            keep = np.sort(np.random.choice(keep, self.max_instances, replace=False))
        # per image; InstanceCountHook sums them over a run and logs them
        results['instance_counts'] = dict(loaded=len(masks), ignored=int(ignored.sum()),
                                          empty=int(empty.sum()),
                                          not_sampled=loaded - len(keep))
        _index_instances(results, keep)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_instances={self.max_instances}, '
                f'min_area={self.min_area})')


def polygon_mask(mask: np.ndarray, epsilon_ratio: float = 0.05,
                 min_epsilon: float = 3.0) -> np.ndarray:
    """Coarse mask: each outer contour simplified to a polygon, then filled.

    ``cv2.approxPolyDP`` with epsilon = max(epsilon_ratio * contour length, min_epsilon)
    imitates a quick hand-drawn polygon. A contour that collapses to fewer than three
    vertices keeps its full outline so that small objects do not vanish.
    """
    mask_u8 = np.ascontiguousarray(mask, dtype=np.uint8)
    contours, _ = cv2.findContours(mask_u8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    coarse = np.zeros_like(mask_u8)
    polygons = []
    for contour in contours:
        epsilon = max(epsilon_ratio * cv2.arcLength(contour, True), min_epsilon)
        approx = cv2.approxPolyDP(contour, epsilon, True)
        polygons.append(approx if len(approx) >= 3 else contour)
    if polygons:
        cv2.fillPoly(coarse, polygons, 1)
    if not coarse.any():  # one-pixel or line-like objects: keep the mask itself
        coarse = mask_u8.copy()
    return coarse.astype(bool)


def _tight_box(mask: np.ndarray) -> np.ndarray:
    """xyxy box of a non-empty mask, the far edge exclusive (as COCO's x, y, w, h)."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], dtype=np.float32)


@TRANSFORMS.register_module()
class GeneratePrompts(BaseTransform):
    """Compute every kind of weak prompt from the GT masks; the model picks which to use.

    Adds, for N instances of an HxW image:

    - ``prompt_boxes`` (N, 4) float32 xyxy: the tight box of the mask, optionally jittered
      by ``box_jitter`` x box size (uniform, per side).
    - ``prompt_points`` (N, P, 2) float32 xy and ``prompt_point_labels`` (N, P) int64:
      ``num_pos`` points inside the mask (label 1) then ``num_neg`` outside (label 0).
    - ``prompt_masks`` BitmapMasks (N, H, W): the coarse polygon mask (see
      :func:`polygon_mask`), and ``prompt_poly_boxes`` (N, 4): its box.

    Args:
        seed: when set, prompts are drawn from a generator seeded by (seed, img_id), so
            evaluation prompts are the same in every run and independent of the order
            of images. When ``None`` they follow the global numpy state (training, which
            the runner seeds).
    """

    def __init__(self, num_pos: int = 5, num_neg: int = 5, box_jitter: float = 0.0,
                 poly_epsilon_ratio: float = 0.05, poly_min_epsilon: float = 3.0,
                 seed: Optional[int] = None) -> None:
        self.num_pos = num_pos
        self.num_neg = num_neg
        self.box_jitter = box_jitter
        self.poly_epsilon_ratio = poly_epsilon_ratio
        self.poly_min_epsilon = poly_min_epsilon
        self.seed = seed

    def _rng(self, results: dict) -> np.random.Generator:
        if self.seed is None:
            return np.random.default_rng(np.random.randint(0, 2**31 - 1))
        return np.random.default_rng([self.seed, int(results.get('img_id', 0))])

    @staticmethod
    def _sample(rng: np.random.Generator, region: np.ndarray, count: int,
                fallback: np.ndarray) -> np.ndarray:
        ys, xs = np.nonzero(region)
        if len(xs) == 0:  # e.g. a mask covering the whole image has no outside
            ys, xs = np.nonzero(fallback)
        index = rng.choice(len(xs), count, replace=len(xs) < count)
        return np.stack([xs[index], ys[index]], axis=1).astype(np.float32)

    def transform(self, results: dict) -> dict:
        # instance by instance: no (N, H, W) temporaries beyond the coarse masks kept
        masks = results['gt_masks']
        height, width = masks.height, masks.width
        bitmaps = masks.masks if len(masks) else np.zeros((0, height, width), np.uint8)
        rng = self._rng(results)
        num = len(bitmaps)
        boxes = np.zeros((num, 4), dtype=np.float32)
        num_points = self.num_pos + self.num_neg
        points = np.zeros((num, num_points, 2), dtype=np.float32)
        labels = np.zeros((num, num_points), dtype=np.int64)
        labels[:, :self.num_pos] = 1
        for i in range(num):
            if not bitmaps[i].any():
                raise ValueError(f'{results.get("img_path")}: an instance has an empty '
                                 'mask; put SampleInstances before GeneratePrompts')
            boxes[i] = _tight_box(bitmaps[i])
        if self.box_jitter > 0 and num:
            size = np.concatenate([boxes[:, 2:] - boxes[:, :2]] * 2, axis=1)
            boxes = boxes + rng.uniform(-1, 1, boxes.shape) * self.box_jitter * size
            boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
            boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)

        coarse = np.zeros((num, height, width), dtype=np.uint8)
        poly_boxes = np.zeros((num, 4), dtype=np.float32)
        for i in range(num):
            mask = bitmaps[i].astype(bool)
            if self.num_pos:
                points[i, :self.num_pos] = self._sample(rng, mask, self.num_pos, mask)
            if self.num_neg:
                points[i, self.num_pos:] = self._sample(rng, ~mask, self.num_neg, mask)
            coarse[i] = polygon_mask(mask, self.poly_epsilon_ratio, self.poly_min_epsilon)
            poly_boxes[i] = _tight_box(coarse[i])

        results['prompt_boxes'] = boxes.astype(np.float32)
        results['prompt_points'] = points
        results['prompt_point_labels'] = labels
        results['prompt_masks'] = wrap_bitmap_masks(coarse)
        results['prompt_poly_boxes'] = poly_boxes
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_pos={self.num_pos}, num_neg={self.num_neg}, '
                f'box_jitter={self.box_jitter}, seed={self.seed})')
