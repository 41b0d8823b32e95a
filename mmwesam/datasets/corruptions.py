"""The 15 ImageNet-C / COCO-C image corruptions, severities 1 to 5.

Own implementation (numpy, OpenCV, SciPy) of the corruptions defined by Hendrycks &
Dietterich, "Benchmarking Neural Network Robustness to Common Corruptions and
Perturbations" (ICLR 2019), with their severity parameters. COCO-C (Michaelis et al.,
"Benchmarking Robustness in Object Detection", 2019) applies them to images of any size;
where the 224 x 224 ImageNet-C parameters depend on the image size (elastic transform,
fog's fractal map) the size-adaptive variant of COCO-C is used.

Deliberate differences from the reference, all documented in docs/en/datasets.md:

* ``frost``: the reference blends the image with one of six photographs of frost shipped
  with its package. Those photographs are not available here, so a frost-like texture
  (a cloudy fractal base plus thin, randomly oriented ice streaks, tinted light blue) is
  generated procedurally from ``rng``. Blend weights are the reference's.
* ``glass_blur``: the reference swaps every pixel with a random neighbour in a sequential
  Python loop (minutes per COCO image). Here each pixel takes the value of a random
  neighbour within the same ``max_delta`` window in one vectorised gather, which gives the
  same local scrambling between the two Gaussian blurs.
* ``motion_blur`` (and the snow streaks): the reference calls ImageMagick; here the kernel
  is built directly: one-sided Gaussian weights along a line of ``2 * radius + 1`` taps.

All randomness comes from the ``rng`` argument, so a seed reproduces an image exactly.
"""
import math
from typing import Callable, Dict, Sequence, Tuple

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter

CORRUPTIONS: Tuple[str, ...] = (
    'gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur',
    'motion_blur', 'zoom_blur', 'snow', 'frost', 'fog', 'brightness', 'contrast',
    'elastic_transform', 'pixelate', 'jpeg_compression')

# The paper's groups (useful for reporting averages per group).
CORRUPTION_GROUPS: Dict[str, Tuple[str, ...]] = dict(
    noise=('gaussian_noise', 'shot_noise', 'impulse_noise'),
    blur=('defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur'),
    weather=('snow', 'frost', 'fog', 'brightness'),
    digital=('contrast', 'elastic_transform', 'pixelate', 'jpeg_compression'))

# Severity parameters (index = severity - 1), as in ImageNet-C / COCO-C.
_GAUSSIAN_NOISE = (0.08, 0.12, 0.18, 0.26, 0.38)
_SHOT_NOISE = (60, 25, 12, 5, 3)
_IMPULSE_NOISE = (0.03, 0.06, 0.09, 0.17, 0.27)
_DEFOCUS = ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5))  # disk radius, alias sigma
_GLASS = ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2))  # sigma, delta, it.
_MOTION = ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15))  # radius, sigma
_ZOOM = ((1.0, 1.11, 0.01), (1.0, 1.16, 0.01), (1.0, 1.21, 0.02), (1.0, 1.26, 0.02),
         (1.0, 1.31, 0.03))  # np.arange(start, stop, step) of zoom factors
# loc, scale, zoom, threshold, streak radius, streak sigma, image blend
_SNOW = ((0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7),
         (0.55, 0.3, 4, 0.9, 12, 8, 0.7), (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65),
         (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55))
_FROST = ((1.0, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75))  # image, frost
_FOG = ((1.5, 2.0), (2.0, 2.0), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4))  # strength, decay
_BRIGHTNESS = (0.1, 0.2, 0.3, 0.4, 0.5)
_CONTRAST = (0.4, 0.3, 0.2, 0.1, 0.05)
_ELASTIC_ALPHA = (250 * 0.05, 250 * 0.065, 250 * 0.085, 250 * 0.1, 250 * 0.12)
_PIXELATE = (0.6, 0.5, 0.4, 0.3, 0.25)
_JPEG_QUALITY = (25, 18, 15, 10, 7)


# ----------------------------------------------------------------------------- helpers
def _clipped_zoom(x: np.ndarray, zoom: float) -> np.ndarray:
    """Zoom into the centre of ``x`` by ``zoom`` and keep the original size."""
    h, w = x.shape[:2]
    ch, cw = max(1, int(math.ceil(h / zoom))), max(1, int(math.ceil(w / zoom)))
    top, left = (h - ch) // 2, (w - cw) // 2
    crop = x[top:top + ch, left:left + cw]
    out = cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)
    return out.reshape(x.shape)


def _motion_kernel(radius: int, sigma: float, angle: float) -> np.ndarray:
    """One-sided Gaussian line kernel: an object leaves a fading trail behind it."""
    taps = 2 * int(radius) + 1
    weights = np.exp(-np.arange(taps, dtype=np.float64) ** 2 / (2 * sigma ** 2))
    weights /= weights.sum()
    size = 2 * taps + 1
    kernel = np.zeros((size, size), np.float64)
    dy, dx = math.sin(math.radians(angle)), math.cos(math.radians(angle))
    for i, wgt in enumerate(weights):
        kernel[taps + int(round(i * dy)), taps + int(round(i * dx))] += wgt
    return kernel.astype(np.float32)


def _motion_blur(x: np.ndarray, radius: int, sigma: float, angle: float) -> np.ndarray:
    return cv2.filter2D(x, -1, _motion_kernel(radius, sigma, angle),
                        borderType=cv2.BORDER_REPLICATE)


def _plasma_fractal(size: int, wibble_decay: float, rng: np.random.Generator) -> np.ndarray:
    """Diamond-square fractal on a ``size`` x ``size`` torus, ``size`` a power of 2.

    Values are normalised to [0, 1]. A larger ``wibble_decay`` gives a smoother map.
    """
    grid = np.zeros((size, size), np.float64)
    step, wibble = size, 100.0
    while step >= 2:
        half = step // 2
        corners = grid[0::step, 0::step]
        # square step: the centre of every square is the mean of its 4 corners + noise
        right = np.roll(corners, -1, axis=1)
        centres = (corners + right + np.roll(corners, -1, axis=0)
                   + np.roll(right, -1, axis=0)) / 4
        centres += wibble * rng.uniform(-1, 1, centres.shape)
        grid[half::step, half::step] = centres
        # diamond step: the middle of every edge is the mean of its 2 corners and the
        # 2 square centres beside it (wrapping around, the map is a torus)
        vertical = (corners + np.roll(corners, -1, axis=0) + centres
                    + np.roll(centres, 1, axis=1)) / 4
        horizontal = (corners + np.roll(corners, -1, axis=1) + centres
                      + np.roll(centres, 1, axis=0)) / 4
        grid[half::step, 0::step] = vertical + wibble * rng.uniform(-1, 1, vertical.shape)
        grid[0::step, half::step] = horizontal + wibble * rng.uniform(
            -1, 1, horizontal.shape)
        step, wibble = half, wibble / wibble_decay
    grid -= grid.min()
    return grid / max(grid.max(), 1e-12)


def _fractal_for(h: int, w: int, wibble_decay: float,
                 rng: np.random.Generator) -> np.ndarray:
    # COCO-C: the map must cover the whole image, so its side is the next power of 2
    size = max(256, 1 << int(math.ceil(math.log2(max(h, w)))))
    return _plasma_fractal(size, wibble_decay, rng)[:h, :w]


def _frost_texture(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A procedural stand-in for the reference's frost photographs (HxWx3 in [0, 1])."""
    base = _fractal_for(h, w, 1.6, rng)
    streaks = np.zeros((h, w), np.float32)
    scale = max(h, w) / 224.0  # the reference's photographs are used at ImageNet scale
    for _ in range(6):
        # sparse seeds smeared along one random direction: thin ice needles
        seeds = (rng.random((h, w)) < 0.004).astype(np.float32)
        seeds *= rng.uniform(0.5, 1.0, (h, w)).astype(np.float32)
        length = max(2, int(round(rng.uniform(4, 12) * scale)))
        kernel = _motion_kernel(length, length * 2.0, rng.uniform(0, 360))
        layer = cv2.filter2D(seeds, -1, kernel / kernel.max())
        streaks = np.maximum(streaks, layer)
    streaks = cv2.GaussianBlur(streaks, (0, 0), 0.6 * max(scale, 1.0))
    streaks /= max(float(streaks.max()), 1e-6)
    gray = np.clip(0.2 + 0.45 * base + 0.6 * streaks, 0, 1).astype(np.float32)
    tint = np.array([0.86, 0.93, 1.0], np.float32)  # frost on glass looks light blue
    return gray[..., None] * tint


# ------------------------------------------------------------------------ corruptions
# Every function maps a float32 HxWx3 RGB image in [0, 1] to a float image; the caller
# clips and converts to uint8.
def _gaussian_noise(x, s, rng):
    return x + rng.normal(0.0, _GAUSSIAN_NOISE[s], x.shape)


def _shot_noise(x, s, rng):
    c = _SHOT_NOISE[s]
    return rng.poisson(np.clip(x, 0, 1) * c) / c


def _impulse_noise(x, s, rng):
    # salt and pepper on every channel value independently, half salt, half pepper
    hit = rng.random(x.shape) < _IMPULSE_NOISE[s]
    salt = rng.random(x.shape) < 0.5
    out = x.copy()
    out[hit & salt] = 1.0
    out[hit & ~salt] = 0.0
    return out


def _defocus_blur(x, s, rng):
    radius, alias_sigma = _DEFOCUS[s]
    half = max(8, radius)
    yy, xx = np.mgrid[-half:half + 1, -half:half + 1]
    disk = (xx ** 2 + yy ** 2 <= radius ** 2).astype(np.float32)
    disk = cv2.GaussianBlur(disk / disk.sum(), (3, 3), alias_sigma)
    return cv2.filter2D(x, -1, disk)


def _glass_blur(x, s, rng):
    sigma, delta, iterations = _GLASS[s]
    h, w = x.shape[:2]
    out = cv2.GaussianBlur(x, (0, 0), sigma)
    rows, cols = np.mgrid[0:h, 0:w]
    for _ in range(iterations):
        # each pixel takes a random neighbour within [-delta, delta) (see module doc)
        dy = rng.integers(-delta, delta, (h, w))
        dx = rng.integers(-delta, delta, (h, w))
        out = out[np.clip(rows + dy, 0, h - 1), np.clip(cols + dx, 0, w - 1)]
    return cv2.GaussianBlur(out, (0, 0), sigma)


def _motion_blur_corruption(x, s, rng):
    radius, sigma = _MOTION[s]
    return _motion_blur(x, radius, sigma, rng.uniform(-45, 45))


def _zoom_blur(x, s, rng):
    zooms = np.arange(*_ZOOM[s])
    out = x.copy()
    for zoom in zooms:
        out += _clipped_zoom(x, float(zoom))
    return out / (len(zooms) + 1)


def _snow(x, s, rng):
    loc, scale, zoom, threshold, radius, sigma, blend = _SNOW[s]
    h, w = x.shape[:2]
    layer = rng.normal(loc, scale, (h, w)).astype(np.float32)
    layer = _clipped_zoom(layer, zoom)
    layer[layer < threshold] = 0
    layer = np.clip(layer, 0, 1)
    layer = _motion_blur(layer, radius, sigma, rng.uniform(-135, -45))[..., None]
    gray = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[..., None]
    x = blend * x + (1 - blend) * np.maximum(x, gray * 1.5 + 0.5)
    return x + layer + np.rot90(layer, 2)


def _frost(x, s, rng):
    img_w, frost_w = _FROST[s]
    return img_w * x + frost_w * _frost_texture(x.shape[0], x.shape[1], rng)


def _fog(x, s, rng):
    strength, decay = _FOG[s]
    max_val = float(x.max())
    fog = _fractal_for(x.shape[0], x.shape[1], decay, rng)[..., None]
    return (x + strength * fog) * max_val / (max_val + strength)


def _brightness(x, s, rng):
    hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV)  # float input: V in [0, 1]
    hsv[..., 2] = np.clip(hsv[..., 2] + _BRIGHTNESS[s], 0, 1)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def _contrast(x, s, rng):
    means = x.mean(axis=(0, 1), keepdims=True)
    return (x - means) * _CONTRAST[s] + means


def _elastic_transform(x, s, rng):
    # COCO-C's size-adaptive variant: a smooth random displacement field whose size
    # grows with the image
    h, w = x.shape[:2]
    sigma = (0.01 * h, 0.01 * w)
    max_d = 0.005 * h
    fields = []
    for _ in range(2):
        noise = rng.uniform(-max_d, max_d, (h, w))
        fields.append(gaussian_filter(noise, sigma, mode='reflect', truncate=3)
                      * _ELASTIC_ALPHA[s])
    dx, dy = fields
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(x, (cols + dx).astype(np.float32), (rows + dy).astype(np.float32),
                     interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _pixelate(x, s, rng):
    h, w = x.shape[:2]
    c = _PIXELATE[s]
    small = cv2.resize(x, (max(1, int(w * c)), max(1, int(h * c))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def _jpeg_compression(x, s, rng):
    bgr = cv2.cvtColor(_to_uint8(x), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY[s]])
    if not ok:
        raise RuntimeError('OpenCV failed to JPEG-encode the image')
    rgb = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return rgb.astype(np.float32) / 255.0


_FUNCTIONS: Dict[str, Callable[[np.ndarray, int, np.random.Generator], np.ndarray]] = {
    'gaussian_noise': _gaussian_noise,
    'shot_noise': _shot_noise,
    'impulse_noise': _impulse_noise,
    'defocus_blur': _defocus_blur,
    'glass_blur': _glass_blur,
    'motion_blur': _motion_blur_corruption,
    'zoom_blur': _zoom_blur,
    'snow': _snow,
    'frost': _frost,
    'fog': _fog,
    'brightness': _brightness,
    'contrast': _contrast,
    'elastic_transform': _elastic_transform,
    'pixelate': _pixelate,
    'jpeg_compression': _jpeg_compression,
}
assert tuple(_FUNCTIONS) == CORRUPTIONS


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.asarray(x, np.float32) * 255.0), 0, 255).astype(np.uint8)


def apply_corruption(image: np.ndarray, name: str, severity: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Corrupt an HxWx3 uint8 RGB image with corruption ``name`` at ``severity`` (1-5).

    Returns a new uint8 array of the same shape; ``rng`` supplies all randomness.
    """
    if name not in _FUNCTIONS:
        raise KeyError(f'unknown corruption {name!r}; expected one of {CORRUPTIONS}')
    if isinstance(severity, bool) or int(severity) != severity or not 1 <= severity <= 5:
        raise ValueError(f'severity must be an integer in 1..5, got {severity!r}')
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError('expected an HxWx3 uint8 RGB image, got '
                         f'dtype {image.dtype} and shape {image.shape}')
    x = image.astype(np.float32) / 255.0
    out = _FUNCTIONS[name](x, int(severity) - 1, rng)
    out = _to_uint8(out)
    assert out.shape == image.shape, (name, out.shape, image.shape)
    return out


def corrupt_all(image: np.ndarray, names: Sequence[str] = CORRUPTIONS,
                severity: int = 5, seed: int = 0) -> Dict[str, np.ndarray]:
    """Convenience: every corruption of ``names`` at one severity, seeded per name."""
    return {name: apply_corruption(image, name, severity,
                                   np.random.default_rng([seed, CORRUPTIONS.index(name)]))
            for name in names}
