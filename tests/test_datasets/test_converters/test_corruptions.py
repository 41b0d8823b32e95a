"""The 15 ImageNet-C / COCO-C corruptions: shape, dtype, change, determinism, severity."""
import numpy as np
import pytest

from mmwesam.datasets.corruptions import CORRUPTIONS, apply_corruption


@pytest.fixture(scope='module')
def picture() -> np.ndarray:
    """A 48x64 image with smooth gradients, flat shapes and texture (mid-range values)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:48, 0:64]
    img = np.stack([40 + 3 * xx, 40 + 3 * yy, 100 + 20 * np.sin(xx / 3.0)], -1)
    img[10:30, 8:28] = (200, 60, 60)
    img += rng.integers(-15, 16, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def corrupt(img, name, severity, seed=0):
    return apply_corruption(img, name, severity, np.random.default_rng(seed))


def mad(a, b) -> float:
    return float(np.abs(a.astype(np.float64) - b).mean())


def test_fifteen_names():
    assert len(CORRUPTIONS) == 15 and len(set(CORRUPTIONS)) == 15


@pytest.mark.parametrize('name', CORRUPTIONS)
def test_shape_change_determinism(picture, name):
    before = picture.copy()
    for severity in (1, 5):
        out = corrupt(picture, name, severity)
        assert out.dtype == np.uint8 and out.shape == picture.shape
        assert mad(out, picture) > 0.5, (name, severity)
        assert (corrupt(picture, name, severity) == out).all()  # same seed, same image
    assert (picture == before).all()  # the input is not modified in place


@pytest.mark.parametrize('name', ['gaussian_noise', 'shot_noise', 'impulse_noise',
                                  'defocus_blur', 'zoom_blur', 'brightness', 'contrast',
                                  'jpeg_compression', 'snow'])
def test_severity_is_monotonic(picture, name):
    diffs = [mad(corrupt(picture, name, s), picture) for s in range(1, 6)]
    assert all(a < b for a, b in zip(diffs, diffs[1:])), (name, diffs)


def test_random_ones_depend_on_seed(picture):
    for name in ('gaussian_noise', 'glass_blur', 'motion_blur', 'snow', 'frost', 'fog',
                 'elastic_transform'):
        assert (corrupt(picture, name, 3, seed=1) != corrupt(picture, name, 3)).any(), name


def test_other_sizes_and_bad_arguments(picture):
    odd = np.ascontiguousarray(np.concatenate([picture] * 3, 0)[:, :37])  # 144 x 37
    for name in CORRUPTIONS:
        assert corrupt(odd, name, 5).shape == odd.shape
    with pytest.raises(KeyError):
        corrupt(picture, 'speckle_noise', 1)
    with pytest.raises(ValueError):
        corrupt(picture, 'fog', 6)
    with pytest.raises(ValueError):
        corrupt(picture[..., 0], 'fog', 1)
    with pytest.raises(ValueError):
        corrupt(picture.astype(np.float32), 'fog', 1)
