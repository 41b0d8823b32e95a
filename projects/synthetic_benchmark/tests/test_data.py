"""Tests of the synthetic domain-shift benchmark generator."""
import hashlib
import json
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from synthetic_benchmark.data import (CATEGORIES, DOMAINS, generate_benchmark, generate_domain,
                                      render_image)

SIZE = 96  # smaller than the default: keeps the tests fast
N_PROBE = 6  # images per domain for the statistical checks


def _files(root: str, split: str) -> Dict[str, bytes]:
    with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'rb') as f:
        data = f.read()
    out = {'json': data}
    for img in json.loads(data)['images']:
        with open(osp.join(root, img['file_name']), 'rb') as f:
            out[img['file_name']] = f.read()
    return out


@pytest.fixture(scope='module')
def bench(tmp_path_factory) -> str:
    out = str(tmp_path_factory.mktemp('synthetic'))
    generate_benchmark(out, list(DOMAINS), num_train=4, num_adapt=3, num_val=2, num_test=3,
                       image_size=SIZE, seed=0)
    return out


def test_registry():
    assert DOMAINS['source'].role == 'source'
    targets = [d for d in DOMAINS.values() if d.role == 'target']
    assert len(targets) >= 6
    assert len({d.index for d in DOMAINS.values()}) == len(DOMAINS)  # distinct seeds


def test_layout_and_summary(tmp_path):
    summary = generate_domain(str(tmp_path), 'fog', dict(adapt=2, val=1, test=2),
                              image_size=SIZE)
    assert set(summary['splits']) == {'adapt', 'val', 'test'}
    assert summary['splits']['adapt']['images'] == 2
    for split in ('adapt', 'val', 'test'):
        assert osp.isfile(tmp_path / 'fog' / 'annotations' / f'instances_{split}.json')
    assert osp.isfile(tmp_path / 'fog' / 'images' / 'test' / '000001.png')


def test_determinism(tmp_path):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    for out, seed in ((a, 0), (b, 0), (c, 1)):
        for dom in ('source', 'noise_blur', 'clutter'):
            splits = DOMAINS[dom].splits
            generate_domain(out, dom, {s: 2 for s in splits}, image_size=SIZE, seed=seed)
    for dom in ('source', 'noise_blur', 'clutter'):
        split = DOMAINS[dom].splits[0]
        fa, fb, fc = (_files(osp.join(o, dom), split) for o in (a, b, c))
        assert fa == fb  # byte-identical json and PNGs
        assert fa['json'] != fc['json']
        assert all(fa[k] != fc[k] for k in fa if k != 'json')


def test_single_image_regenerates(bench):
    root = osp.join(bench, 'jpeg')
    coco = json.load(open(osp.join(root, 'annotations', 'instances_test.json')))
    info = coco['images'][2]
    img, instances = render_image('jpeg', 'test', 2, image_size=SIZE, seed=0)
    saved = cv2.cvtColor(cv2.imread(osp.join(root, info['file_name'])), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(img, saved)
    anns = [a for a in coco['annotations'] if a['image_id'] == info['id']]
    assert len(anns) == len(instances)
    for ann, inst in zip(anns, instances):
        np.testing.assert_array_equal(mask_utils.decode(ann['segmentation']), inst['mask'])


@pytest.mark.parametrize('domain', list(DOMAINS))
def test_annotations_valid(bench, domain):
    root = osp.join(bench, domain)
    for split in DOMAINS[domain].splits:
        coco = COCO(osp.join(root, 'annotations', f'instances_{split}.json'))
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == \
            [c['name'] for c in CATEGORIES]
        for img_id in coco.getImgIds():
            info = coco.loadImgs(img_id)[0]
            assert info['file_name'].startswith(f'images/{split}/')
            img = cv2.imread(osp.join(root, info['file_name']))
            assert img.shape == (info['height'], info['width'], 3) == (SIZE, SIZE, 3)
            anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
            assert anns, 'every image has at least one instance'
            cover = np.zeros((SIZE, SIZE), np.int32)
            for ann in anns:
                m = mask_utils.decode(ann['segmentation'])
                assert isinstance(ann['segmentation']['counts'], str)
                assert ann['iscrowd'] == 0
                assert ann['area'] == int(m.sum()) >= 30
                assert ann['bbox'] == mask_utils.toBbox(ann['segmentation']).tolist()
                ys, xs = np.nonzero(m)
                assert ann['bbox'] == [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                                       ys.max() - ys.min() + 1]
                cover += m
            assert cover.max() == 1, 'visible masks of one image must not overlap'


@pytest.mark.parametrize('domain', list(DOMAINS))
def test_splits_disjoint(bench, domain):
    seen: Dict[str, str] = {}
    for split in DOMAINS[domain].splits:
        for name, data in _files(osp.join(bench, domain), split).items():
            if name == 'json':
                continue
            digest = hashlib.sha1(data).hexdigest()
            assert digest not in seen, f'{name} repeats {seen.get(digest)}'
            seen[digest] = name


# ------------------------------------------------------------ each shift does its job
def _gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _hf_energy(img: np.ndarray) -> float:
    return float(np.abs(cv2.Laplacian(_gray(img), cv2.CV_32F)).mean())


def _boundary_contrast(img: np.ndarray, instances: List[dict]) -> float:
    """Mean colour distance between a thin band inside each mask and one just outside."""
    kernel = np.ones((5, 5), np.uint8)
    any_mask = np.zeros(img.shape[:2], bool)
    for inst in instances:
        any_mask |= inst['mask']
    dists = []
    for inst in instances:
        m = inst['mask'].astype(np.uint8)
        inner = (m - cv2.erode(m, kernel)).astype(bool)
        outer = (cv2.dilate(m, kernel) - m).astype(bool) & ~any_mask
        if inner.sum() < 5 or outer.sum() < 5:
            continue
        f = img.astype(np.float32)
        dists.append(np.linalg.norm(f[inner].mean(0) - f[outer].mean(0)))
    return float(np.mean(dists)) if dists else float('nan')


def _probe(domain: str, fn, clean: bool = False) -> float:
    vals = []
    for i in range(N_PROBE):
        img, instances = render_image(domain, 'test', i, image_size=SIZE, clean=clean)
        vals.append(fn(img, instances))
    return float(np.nanmean(vals))


def test_corruptions_keep_clean_masks():
    for dom in ('noise_blur', 'fog', 'low_contrast', 'jpeg'):
        img, inst = render_image(dom, 'adapt', 0, image_size=SIZE)
        clean, inst_clean = render_image(dom, 'adapt', 0, image_size=SIZE, clean=True)
        assert not np.array_equal(img, clean)
        assert len(inst) == len(inst_clean)
        for a, b in zip(inst, inst_clean):
            np.testing.assert_array_equal(a['mask'], b['mask'])


def test_noise_blur_adds_high_frequency():
    hf = lambda img, _: _hf_energy(img)  # noqa: E731
    assert _probe('noise_blur', hf) > 3 * _probe('noise_blur', hf, clean=True)


@pytest.mark.parametrize('domain', ['fog', 'low_contrast'])
def test_fog_and_low_contrast_lower_boundary_contrast(domain):
    shifted = _probe(domain, _boundary_contrast)
    assert shifted < 0.7 * _probe(domain, _boundary_contrast, clean=True)


def test_jpeg_loses_detail():
    diff = np.mean([
        np.abs(render_image('jpeg', 'test', i, image_size=SIZE)[0].astype(np.int16)
               - render_image('jpeg', 'test', i, image_size=SIZE, clean=True)[0]).mean()
        for i in range(N_PROBE)
    ])
    assert diff > 2
    hf = lambda img, _: _hf_energy(img)  # noqa: E731
    assert _probe('jpeg', hf) < _probe('jpeg', hf, clean=True)


def test_camouflage_objects_blend_in():
    assert _probe('camouflage', _boundary_contrast) < 0.5 * _probe('source', _boundary_contrast)


def test_medical_is_grayscale_low_contrast():
    for i in range(N_PROBE):
        img, instances = render_image('medical', 'test', i, image_size=SIZE)
        assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()
        assert {inst['category_id'] for inst in instances} <= {1, 6}  # ellipse, blob
    assert _probe('medical', _boundary_contrast) < 0.5 * _probe('source', _boundary_contrast)


def test_clutter_has_more_instances_and_edges():
    def background_edges(img, instances):
        edges = cv2.Canny(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), 50, 150) > 0
        bg = np.ones(edges.shape, bool)
        for inst in instances:
            bg &= ~cv2.dilate(inst['mask'].astype(np.uint8), np.ones((3, 3))).astype(bool)
        return edges[bg].mean()

    count = lambda _, instances: len(instances)  # noqa: E731
    assert _probe('clutter', count) > 1.3 * _probe('source', count)
    assert _probe('clutter', background_edges) > 2 * _probe('source', background_edges)


def test_bad_arguments(tmp_path):
    with pytest.raises(KeyError):
        generate_benchmark(str(tmp_path), ['nope'])
    with pytest.raises(ValueError):
        render_image('fog', 'test', 0, severity=6)
    with pytest.raises(ValueError):
        generate_domain(str(tmp_path), 'source', dict(bogus=1))
