"""Seeded synthetic domain-shift benchmark written as COCO instance json.

A *source* domain of clean textured shapes and several *target* domains that shift it,
either by corrupting the finished image (noise/blur, fog, low contrast, JPEG) or by
changing how scenes are generated (camouflage, medical-like, clutter). Layout::

    <out>/<domain>/images/<split>/000001.png
    <out>/<domain>/annotations/instances_<split>.json

Every image is drawn from ``np.random.default_rng([seed, domain_index, split_index,
image_index])`` so any single image can be regenerated alone (:func:`render_image`) and
the same call writes byte-identical files. Instance masks are the *visible* parts of the
shapes (later shapes occlude earlier ones), so the masks of one image never overlap.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from mmwesam.datasets.corruptions import apply_corruption

__all__ = [
    'CATEGORIES', 'DOMAINS', 'SPLIT_INDEX', 'DomainSpec', 'SceneStyle', 'render_image',
    'generate_domain', 'generate_benchmark', 'default_splits'
]

# Split ids feed the seed; fixed numbers (not positions) so adding a split changes nothing.
SPLIT_INDEX: Dict[str, int] = {'train': 0, 'adapt': 1, 'val': 2, 'test': 3}

CATEGORIES: List[dict] = [
    dict(id=1, name='ellipse'),
    dict(id=2, name='rectangle'),
    dict(id=3, name='triangle'),
    dict(id=4, name='star'),
    dict(id=5, name='ring'),
    dict(id=6, name='blob'),
]
_CAT_ID = {c['name']: c['id'] for c in CATEGORIES}

TEXTURE_KINDS = ('flat', 'gradient', 'stripes', 'checker', 'noise')

MIN_VISIBLE_AREA = 30  # px; smaller remnants are not worth prompting
MIN_VISIBLE_FRACTION = 0.3  # drop instances occluded by more than 70 %
_SHIFT = 4  # cv2 sub-pixel bits: smoother small shapes than integer vertices


# ----------------------------------------------------------------------------- textures
@lru_cache(maxsize=8)
def _grid(size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates (y, x), cached because every texture needs them."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    yy.setflags(write=False)
    xx.setflags(write=False)
    return yy, xx


def _random_color(rng: np.random.Generator) -> np.ndarray:
    """A colour from HSV so hues are uniform and few colours are washed out."""
    h = rng.uniform(0, 180)
    s = rng.uniform(0.25, 1.0) * 255
    v = rng.uniform(0.3, 1.0) * 255
    hsv = np.array([[[h, s, v]]], np.float32)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def _sample_texture(rng: np.random.Generator, size: int,
                    kinds: Sequence[str] = TEXTURE_KINDS,
                    second_color_std: float = 55.0) -> dict:
    """Parameters of a two-colour texture; rendered later so camouflage can perturb them."""
    c0 = _random_color(rng)
    c1 = np.clip(c0 + rng.normal(0, second_color_std, 3), 0, 255).astype(np.float32)
    return dict(
        kind=str(kinds[rng.integers(len(kinds))]),
        c0=c0,
        c1=c1,
        angle=float(rng.uniform(0, np.pi)),
        period=float(rng.uniform(0.05, 0.2) * size),
        phase=float(rng.uniform(0, 2 * np.pi)),
        cells=int(rng.integers(3, 9)),
        noise=rng.random((int(rng.integers(3, 8)), ) * 2).astype(np.float32),
        offset=(float(rng.uniform(0, size)), float(rng.uniform(0, size))),
    )


def _render_texture(p: dict, size: int) -> np.ndarray:
    """HxWx3 float32 image of texture parameters ``p``."""
    yy, xx = _grid(size)
    kind = p['kind']
    if kind == 'flat':
        return np.broadcast_to(p['c0'], (size, size, 3)).astype(np.float32)
    ca, sa = np.cos(p['angle']), np.sin(p['angle'])
    u = (xx + p['offset'][0]) * ca + (yy + p['offset'][1]) * sa
    if kind == 'gradient':
        t = (xx - size / 2) * ca + (yy - size / 2) * sa
        t = t / (size * 0.75) + 0.5
    elif kind == 'stripes':
        # a clipped sine: stripes with slightly soft edges, which look less synthetic
        t = np.clip(np.sin(2 * np.pi * u / p['period'] + p['phase']) * 2.5, -1, 1) * 0.5 + 0.5
    elif kind == 'checker':
        v = -(xx + p['offset'][0]) * sa + (yy + p['offset'][1]) * ca
        cell = max(size / p['cells'], 3.0)
        t = ((np.floor(u / cell) + np.floor(v / cell)) % 2).astype(np.float32)
    elif kind == 'noise':
        t = cv2.resize(p['noise'], (size, size), interpolation=cv2.INTER_CUBIC)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    else:
        raise ValueError(f'unknown texture kind {kind!r}')
    t = np.clip(t, 0, 1)[..., None]
    return p['c0'] * (1 - t) + p['c1'] * t


def _mean_color(p: dict) -> np.ndarray:
    return p['c0'] if p['kind'] == 'flat' else (p['c0'] + p['c1']) / 2


# ------------------------------------------------------------------------------- shapes
def _fill(size: int, pts: np.ndarray) -> np.ndarray:
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(pts * (1 << _SHIFT)).astype(np.int32)], 1, cv2.LINE_8,
                 _SHIFT)
    return mask


def _ellipse_pts(cx: float, cy: float, a: float, b: float, angle: float,
                 n: int = 48) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = a * np.cos(t), b * np.sin(t)
    ca, sa = np.cos(angle), np.sin(angle)
    return np.stack([cx + x * ca - y * sa, cy + x * sa + y * ca], 1)


def _polar_pts(cx: float, cy: float, theta: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.stack([cx + r * np.cos(theta), cy + r * np.sin(theta)], 1)


def _shape_outline(rng: np.random.Generator, kind: str, cx: float, cy: float,
                   extent: float) -> List[np.ndarray]:
    """Polygon(s) of one shape; a ring returns [outer, inner] (the inner is a hole)."""
    r = extent / 2
    rot = rng.uniform(0, 2 * np.pi)
    if kind == 'ellipse':
        return [_ellipse_pts(cx, cy, r, r * rng.uniform(0.4, 1.0), rot)]
    if kind == 'rectangle':
        w, h = r, r * rng.uniform(0.35, 1.0)
        corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]])
        ca, sa = np.cos(rot), np.sin(rot)
        return [corners @ np.array([[ca, sa], [-sa, ca]]) + [cx, cy]]
    if kind == 'triangle':
        theta = rot + np.array([0, 2, 4]) * np.pi / 3 + rng.uniform(-0.4, 0.4, 3)
        return [_polar_pts(cx, cy, theta, r * rng.uniform(0.75, 1.0, 3))]
    if kind == 'star':
        n = int(rng.integers(5, 8))
        theta = rot + np.arange(2 * n) * np.pi / n
        radii = np.where(np.arange(2 * n) % 2 == 0, r, r * rng.uniform(0.4, 0.6))
        return [_polar_pts(cx, cy, theta, radii)]
    if kind == 'ring':
        b = r * rng.uniform(0.65, 1.0)
        inner = rng.uniform(0.4, 0.65)
        return [_ellipse_pts(cx, cy, r, b, rot), _ellipse_pts(cx, cy, r * inner, b * inner, rot)]
    if kind == 'blob':
        # smooth closed curve: a few low harmonics of the radius, like a cell or a lesion
        theta = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        rad = np.ones_like(theta)
        for k in (2, 3, 4, 5):
            rad += rng.uniform(0, 0.22 / k * 2) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
        rad = rad / rad.max() * r
        pts = _polar_pts(0, 0, theta, rad)
        pts[:, 1] *= rng.uniform(0.6, 1.0)
        ca, sa = np.cos(rot), np.sin(rot)
        return [pts @ np.array([[ca, sa], [-sa, ca]]) + [cx, cy]]
    raise ValueError(f'unknown shape kind {kind!r}')


def _shape_mask(size: int, polys: List[np.ndarray]) -> np.ndarray:
    mask = _fill(size, polys[0])
    for hole in polys[1:]:
        mask &= 1 - _fill(size, hole)
    return mask


# -------------------------------------------------------------------------------- scene
@dataclass
class SceneStyle:
    """How a domain generates scenes (before any image-only shift)."""
    num_objects: Tuple[int, int] = (2, 6)  # inclusive range
    extent: Tuple[float, float] = (0.06, 0.45)  # object diameter / image side
    shapes: Dict[str, float] = field(default_factory=lambda: dict(
        ellipse=1, rectangle=1, triangle=1, star=1, ring=0.7, blob=0.7))
    texture: str = 'random'  # 'random' | 'camouflage' | 'medical'
    min_color_dist: float = 70.0  # clean source: objects stand out from what is below
    cluster_std: Optional[float] = None  # centres drawn around one point: heavy occlusion
    distractors: int = 0  # unannotated lines / outlines / fragments in the background
    camo_offset: float = 0.0  # camouflage colour offset (RGB L2)
    medical: Optional[dict] = None  # medical rendering parameters


def _pick_shape(rng: np.random.Generator, shapes: Dict[str, float]) -> str:
    names = list(shapes)
    w = np.array([shapes[n] for n in names], np.float64)
    return names[int(rng.choice(len(names), p=w / w.sum()))]


def _object_texture(rng: np.random.Generator, size: int, style: SceneStyle, bg: dict,
                    below: List[np.ndarray]) -> dict:
    """Texture of one object, per the style's texture mode."""
    if style.texture == 'camouflage':
        # same kind and near-same colours/scale as the background: only a small colour
        # offset and a phase/angle change separate object from background
        p = dict(bg)
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction) + 1e-6
        off = (direction * style.camo_offset).astype(np.float32)
        p['c0'] = np.clip(bg['c0'] + off, 0, 255).astype(np.float32)
        p['c1'] = np.clip(bg['c1'] + off, 0, 255).astype(np.float32)
        p['angle'] = bg['angle'] + float(rng.uniform(-0.5, 0.5))
        p['period'] = bg['period'] * float(rng.uniform(0.8, 1.25))
        p['phase'] = float(rng.uniform(0, 2 * np.pi))
        p['offset'] = (float(rng.uniform(0, size)), float(rng.uniform(0, size)))
        p['noise'] = rng.random(bg['noise'].shape).astype(np.float32)
        return p
    # clean: a few tries to find colours that differ from the background and the objects
    # drawn so far; keep the best try so generation always terminates
    best, best_d = None, -1.0
    for _ in range(12):
        p = _sample_texture(rng, size)
        m = _mean_color(p)
        d = min(float(np.linalg.norm(m - b)) for b in below)
        if d > best_d:
            best, best_d = p, d
        if d >= style.min_color_dist:
            break
    return best


def _draw_distractors(rng: np.random.Generator, img: np.ndarray, n: int) -> None:
    """Unannotated edges in the background: lines, shape outlines, small fragments."""
    size = img.shape[0]
    for _ in range(n):
        color = tuple(float(c) for c in _random_color(rng))
        kind = rng.random()
        if kind < 0.4:
            p0 = rng.uniform(0, size, 2)
            p1 = p0 + rng.normal(0, size * 0.3, 2)
            cv2.line(img, tuple(int(v) for v in p0), tuple(int(v) for v in p1), color,
                     int(rng.integers(1, 3)), cv2.LINE_AA)
        elif kind < 0.75:
            shape = _pick_shape(rng, dict(ellipse=1, rectangle=1, triangle=1, star=1))
            polys = _shape_outline(rng, shape, *rng.uniform(0, size, 2),
                                   rng.uniform(0.1, 0.4) * size)
            cv2.polylines(img, [np.round(polys[0]).astype(np.int32)], True, color,
                          int(rng.integers(1, 3)), cv2.LINE_AA)
        else:
            # filled fragments smaller than the smallest kept instance
            polys = _shape_outline(rng, 'triangle', *rng.uniform(0, size, 2),
                                   rng.uniform(0.03, 0.06) * size)
            cv2.fillPoly(img, [np.round(polys[0]).astype(np.int32)], color, cv2.LINE_AA)


def _render_scene(rng: np.random.Generator, size: int,
                  style: SceneStyle) -> Tuple[np.ndarray, List[Tuple[int, np.ndarray]]]:
    """One scene: float32 RGB image and (category_id, visible bool mask) per instance."""
    if style.texture == 'medical':
        return _render_medical(rng, size, style)
    bg = _sample_texture(rng, size)
    img = _render_texture(bg, size).copy()
    if style.distractors:
        _draw_distractors(rng, img, style.distractors)
    n = int(rng.integers(style.num_objects[0], style.num_objects[1] + 1))
    if style.cluster_std is not None:
        focus = rng.uniform(0.3, 0.7, 2) * size
    below = [_mean_color(bg)]
    objects: List[Tuple[int, np.ndarray]] = []  # (category, full in-image mask)
    visible: List[np.ndarray] = []
    lo, hi = np.log(style.extent[0]), np.log(style.extent[1])
    for _ in range(n):
        kind = _pick_shape(rng, style.shapes)
        extent = float(np.exp(rng.uniform(lo, hi))) * size  # log-uniform: many small ones
        if kind == 'ring':
            extent = max(extent, 0.18 * size)  # thinner rings are only a few px wide
        if style.cluster_std is not None:
            cx, cy = np.clip(focus + rng.normal(0, style.cluster_std * size, 2), 0, size - 1)
        else:
            cx, cy = rng.uniform(0.08, 0.92, 2) * size
        mask = _shape_mask(size, _shape_outline(rng, kind, cx, cy, extent)).astype(bool)
        tex = _object_texture(rng, size, style, bg, below)
        if mask.sum() < MIN_VISIBLE_AREA:
            continue  # too small to annotate even unoccluded: do not paint it either
        img[mask] = _render_texture(tex, size)[mask]
        below.append(_mean_color(tex))
        for v in visible:
            v &= ~mask  # occlusion: the new shape hides what lies under it
        objects.append((_CAT_ID[kind], mask))
        visible.append(mask.copy())
    return img, _keep_visible(objects, visible)


def _keep_visible(objects: List[Tuple[int, np.ndarray]],
                  visible: List[np.ndarray]) -> List[Tuple[int, np.ndarray]]:
    """Drop instances that are tiny or mostly hidden (they stay painted, unannotated)."""
    kept = []
    for (cat, full), vis in zip(objects, visible):
        area = int(vis.sum())
        if area >= MIN_VISIBLE_AREA and area >= MIN_VISIBLE_FRACTION * int(full.sum()):
            kept.append((cat, vis))
    return kept


def _render_medical(rng: np.random.Generator, size: int,
                    style: SceneStyle) -> Tuple[np.ndarray, List[Tuple[int, np.ndarray]]]:
    """Grayscale tissue-like background, organic blobs, soft edges, speckle."""
    cfg = style.medical
    assert cfg is not None, 'the medical texture mode needs SceneStyle.medical'
    delta, speckle, edge_sigma = cfg['delta'], cfg['speckle'], cfg['edge_sigma']
    base = rng.uniform(70, 150)

    def tissue(amplitude: float) -> np.ndarray:
        # two octaves of smooth noise: large-scale shading plus fine tissue grain
        coarse = cv2.resize(rng.random((4, 4)).astype(np.float32), (size, size),
                            interpolation=cv2.INTER_CUBIC)
        fine = cv2.resize(rng.random((16, 16)).astype(np.float32), (size, size),
                          interpolation=cv2.INTER_CUBIC)
        return (coarse - 0.5) * amplitude + (fine - 0.5) * amplitude * 0.5

    img = base + tissue(32.0)
    n = int(rng.integers(style.num_objects[0], style.num_objects[1] + 1))
    objects, visible = [], []
    lo, hi = np.log(style.extent[0]), np.log(style.extent[1])
    for _ in range(n):
        kind = _pick_shape(rng, style.shapes)
        extent = float(np.exp(rng.uniform(lo, hi))) * size
        cx, cy = rng.uniform(0.15, 0.85, 2) * size
        mask = _shape_mask(size, _shape_outline(rng, kind, cx, cy, extent))
        if mask.sum() < MIN_VISIBLE_AREA:
            continue  # too small to annotate even unoccluded: do not paint it either
        # lesions darker or brighter than what they cover by a small margin; relative to
        # the local level so a lesion inside another one still shows
        sign = 1.0 if rng.random() < 0.5 else -1.0
        level = float(img[mask > 0].mean()) + sign * delta * rng.uniform(0.8, 1.2)
        inside = level + tissue(20.0)
        # soft boundary: blend through a blurred mask; the label stays the hard mask
        alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), edge_sigma)
        img = img * (1 - alpha) + inside * alpha
        m = mask.astype(bool)
        for v in visible:
            v &= ~m
        objects.append((_CAT_ID[kind], m))
        visible.append(m.copy())
    # correlated multiplicative speckle, as in ultrasound
    noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 0.7)
    noise /= noise.std() + 1e-6
    img = img * (1 + speckle * noise)
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), cfg.get('blur', 0.6))
    # compress the dynamic range around the image mean (low-contrast modality)
    img = (img - img.mean()) * cfg.get('contrast', 0.8) + img.mean()
    img = np.repeat(img[..., None], 3, axis=2)
    return img, _keep_visible(objects, visible)


# ------------------------------------------------------------------ image-only shifts
# Built from the COCO-C corruptions; a domain's severity k is COCO-C severity k of each
# component. Shifts map uint8 RGB -> uint8 RGB and keep the clean masks.
def _shift_noise_blur(img: np.ndarray, rng: np.random.Generator, severity: int) -> np.ndarray:
    """Defocus blur then gaussian noise: optics blur first, sensor noise last."""
    return apply_corruption(apply_corruption(img, 'defocus_blur', severity, rng),
                            'gaussian_noise', severity, rng)


def _shift_fog(img: np.ndarray, rng: np.random.Generator, severity: int) -> np.ndarray:
    """COCO-C fog: a plasma-fractal haze added and the range rescaled (less contrast)."""
    return apply_corruption(img, 'fog', severity, rng)


def _shift_low_contrast(img: np.ndarray, rng: np.random.Generator,
                        severity: int) -> np.ndarray:
    """COCO-C contrast, then a brightness shift either way.

    COCO-C's own ``brightness`` only brightens (and clips); shifting both ways after the
    contrast reduction keeps the (compressed) range inside [0, 255].
    """
    out = apply_corruption(img, 'contrast', severity, rng).astype(np.float32)
    shift = rng.uniform(20, 50) * (1 if rng.random() < 0.5 else -1)
    return np.clip(np.round(out + shift), 0, 255).astype(np.uint8)


def _shift_jpeg(img: np.ndarray, rng: np.random.Generator, severity: int) -> np.ndarray:
    """COCO-C pixelate then COCO-C JPEG compression."""
    return apply_corruption(apply_corruption(img, 'pixelate', severity, rng),
                            'jpeg_compression', severity, rng)


# -------------------------------------------------------------------------- registry
@dataclass
class DomainSpec:
    """One domain: its seed index, role, how scenes are made and how images are shifted."""
    name: str
    index: int  # enters the seed; fixed so reordering the registry changes nothing
    role: str  # 'source' or 'target'
    description: str
    style: Callable[[int], SceneStyle]  # severity -> scene style
    shift: Optional[Callable[[np.ndarray, np.random.Generator, int], np.ndarray]] = None
    default_severity: int = 3

    @property
    def splits(self) -> Tuple[str, ...]:
        return ('train', 'val', 'test') if self.role == 'source' else ('adapt', 'val', 'test')


def _clean(_: int) -> SceneStyle:
    return SceneStyle()


def _camouflage(s: int) -> SceneStyle:
    # no fixed colour gap; the object differs from the background only by this offset
    return SceneStyle(texture='camouflage', camo_offset=[60, 46, 36, 28, 20][s - 1],
                      min_color_dist=0.0)


def _medical(s: int) -> SceneStyle:
    return SceneStyle(
        num_objects=(1, 3), extent=(0.18, 0.45), shapes=dict(blob=4, ellipse=1),
        texture='medical', medical=dict(
            delta=[64, 54, 45, 37, 30][s - 1], speckle=[0.06, 0.09, 0.12, 0.15, 0.19][s - 1],
            edge_sigma=[0.8, 1.1, 1.4, 1.7, 2.0][s - 1], blur=0.6,
            contrast=[0.9, 0.8, 0.7, 0.6, 0.5][s - 1]))


def _clutter(s: int) -> SceneStyle:
    return SceneStyle(num_objects=(4 + s // 2, 7 + s), distractors=[8, 14, 20, 28, 36][s - 1],
                      cluster_std=[0.26, 0.22, 0.18, 0.15, 0.12][s - 1], min_color_dist=40.0)


DOMAINS: Dict[str, DomainSpec] = {
    d.name: d
    for d in [
        DomainSpec('source', 0, 'source', 'clean textured shapes', _clean),
        DomainSpec('noise_blur', 1, 'target', 'defocus blur + gaussian noise', _clean,
                   _shift_noise_blur, default_severity=2),
        DomainSpec('fog', 2, 'target', 'COCO-C fog (plasma-fractal haze), lower contrast', _clean,
                   _shift_fog),
        DomainSpec('low_contrast', 3, 'target', 'contrast reduction + brightness shift',
                   _clean, _shift_low_contrast),
        DomainSpec('jpeg', 4, 'target', 'pixelate + strong JPEG compression', _clean,
                   _shift_jpeg, default_severity=4),
        DomainSpec('camouflage', 5, 'target',
                   'object texture = background texture with a small colour offset',
                   _camouflage),
        DomainSpec('medical', 6, 'target',
                   'grayscale blobs, low contrast, soft edges, speckle', _medical),
        DomainSpec('clutter', 7, 'target',
                   'distractor edges in the background, many clustered occluding shapes',
                   _clutter),
    ]
}


def default_splits(domain: str, num_train: int = 200, num_adapt: int = 100,
                   num_val: int = 20, num_test: int = 50) -> Dict[str, int]:
    """Split sizes of a domain: train/val/test for the source, adapt/val/test otherwise."""
    sizes = dict(train=num_train, adapt=num_adapt, val=num_val, test=num_test)
    return {s: sizes[s] for s in DOMAINS[domain].splits}


# ------------------------------------------------------------------------ generation
def _resolve_severity(spec: DomainSpec, severity: Optional[int]) -> int:
    s = spec.default_severity if severity is None else int(severity)
    if not 1 <= s <= 5:
        raise ValueError(f'severity must be in 1..5, got {s}')
    return s


def render_image(domain: str, split: str, index: int, image_size: int = 128, seed: int = 0,
                 severity: Optional[int] = None,
                 clean: bool = False) -> Tuple[np.ndarray, List[dict]]:
    """Regenerate one image alone: uint8 HxWx3 RGB and its instances.

    Instances are dicts ``category_id`` and ``mask`` (bool HxW, the visible part).
    ``clean=True`` skips the domain's image-only shift (same scene, same masks): the
    uncorrupted counterpart of a corruption-domain image.
    """
    spec = DOMAINS[domain]
    sev = _resolve_severity(spec, severity)
    style = spec.style(sev)
    rng = np.random.default_rng([seed, spec.index, SPLIT_INDEX[split], index])
    # an image without any instance is useless to a prompted model: redraw (same stream)
    for _ in range(20):
        img, instances = _render_scene(rng, image_size, style)
        if instances:
            break
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    if spec.shift is not None and not clean:
        img = spec.shift(img, rng, sev)
    return img, [dict(category_id=c, mask=m) for c, m in instances]


def _encode(mask: np.ndarray) -> Tuple[dict, int, List[int]]:
    """Compressed RLE (counts as str), visible area and tight [x, y, w, h] box."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    ys, xs = np.nonzero(mask)
    x0, y0 = int(xs.min()), int(ys.min())
    bbox = [x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1]
    return rle, int(mask.sum()), bbox


def generate_domain(out_dir: str, domain: str, splits: Dict[str, int], image_size: int = 128,
                    seed: int = 0, severity: Optional[int] = None,
                    subdir: Optional[str] = None) -> dict:
    """Write one domain's images and COCO jsons under ``out_dir/<subdir or domain>``.

    Returns a summary: per split the number of images, instances and instances per image.
    """
    spec = DOMAINS[domain]
    sev = _resolve_severity(spec, severity)
    root = osp.join(out_dir, subdir or domain)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    summary = dict(domain=domain, root=root, severity=sev, splits={})
    for split, num in splits.items():
        if split not in SPLIT_INDEX:
            raise ValueError(f'unknown split {split!r}; known: {list(SPLIT_INDEX)}')
        img_dir = osp.join(root, 'images', split)
        os.makedirs(img_dir, exist_ok=True)
        images, anns = [], []
        for i in range(num):
            img, instances = render_image(domain, split, i, image_size, seed, sev)
            file_name = f'images/{split}/{i:06d}.png'
            cv2.imwrite(osp.join(root, file_name), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            images.append(dict(id=i + 1, file_name=file_name, height=image_size,
                               width=image_size))
            for inst in instances:
                rle, area, bbox = _encode(inst['mask'])
                anns.append(dict(id=len(anns) + 1, image_id=i + 1,
                                 category_id=inst['category_id'], segmentation=rle,
                                 area=area, bbox=bbox, iscrowd=0))
        coco = dict(
            info=dict(description=f'mmwesam synthetic benchmark: {spec.description}',
                      domain=domain, split=split, severity=sev, seed=seed,
                      image_size=image_size),
            images=images, annotations=anns, categories=CATEGORIES)
        with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(coco, f, separators=(',', ':'))
        summary['splits'][split] = dict(images=num, instances=len(anns),
                                        per_image=len(anns) / max(num, 1))
    return summary


def generate_benchmark(out_dir: str, domains: Sequence[str], num_train: int = 200,
                       num_adapt: int = 100, num_val: int = 20, num_test: int = 50,
                       image_size: int = 128, seed: int = 0,
                       severity: Optional[Dict[str, int]] = None) -> Dict[str, dict]:
    """Generate several domains; ``severity`` maps domain name -> level (default per spec)."""
    severity = severity or {}
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        raise KeyError(f'unknown domains {unknown}; known: {list(DOMAINS)}')
    return {
        d: generate_domain(out_dir, d, default_splits(d, num_train, num_adapt, num_val,
                                                      num_test), image_size, seed,
                           severity.get(d))
        for d in domains
    }
