"""RandomShadow: one convex region darkened by one factor, geometry untouched."""
import cv2
import numpy as np

from mmwesam.datasets.transforms import RandomShadow
from mmwesam.registry import TRANSFORMS


def _image():
    image = np.full((60, 80, 3), 200, np.uint8)
    image[:, :, 1] = 100
    image[:, :, 2] = np.arange(80, dtype=np.uint8)[None] + 150
    return image


def test_shadow_darkens_one_convex_region_by_one_factor():
    transform = RandomShadow(prob=1.0, darkness=(0.4, 0.8), num_vertices=(3, 6))
    np.random.seed(0)
    changed_any = False
    for _ in range(5):
        image = _image()
        results = transform(dict(img=image.copy(), gt_masks='untouched'))
        out = results['img']
        assert out.shape == image.shape and out.dtype == np.uint8
        assert results['gt_masks'] == 'untouched'
        assert (out <= image).all()
        region = (out != image).any(axis=2)
        if not region.any():
            continue  # a degenerate (collinear) polygon may cover no pixel
        changed_any = True
        # every shadowed pixel is floor(v * f) for one factor f in the darkness range
        factor = out[region][:, 0].astype(float).mean() / 200
        assert 0.4 - 0.01 <= factor <= 0.8 + 0.01
        expected = np.floor(image[region].astype(np.float32) * np.float32(factor))
        assert np.abs(out[region].astype(float) - expected).max() <= 1
        # the region is convex: it equals its convex hull (up to the outline pixels)
        hull = np.zeros(region.shape, np.uint8)
        points = cv2.findNonZero(region.astype(np.uint8))
        cv2.fillPoly(hull, [cv2.convexHull(points)], 1)
        assert (hull.astype(bool) & ~region).sum() <= 0.1 * hull.sum() + 10
    assert changed_any


def test_prob_zero_and_seeded_repeatability():
    image = _image()
    assert np.array_equal(RandomShadow(prob=0.0)(dict(img=image.copy()))['img'], image)
    transform = TRANSFORMS.build(dict(type='RandomShadow', prob=0.5))
    np.random.seed(3)
    first = [transform(dict(img=image.copy()))['img'] for _ in range(6)]
    np.random.seed(3)
    second = [transform(dict(img=image.copy()))['img'] for _ in range(6)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    unchanged = sum(np.array_equal(a, image) for a in first)
    assert 0 < unchanged < 6  # applied to some images only
    assert 'prob=0.5' in repr(transform)
