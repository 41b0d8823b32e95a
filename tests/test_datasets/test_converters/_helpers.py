"""Fixture writers and checks shared by the converter tests (tiny images, known masks)."""
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Sequence

import cv2
import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
H, W = 32, 40


def image(seed: int, h: int = H, w: int = W) -> np.ndarray:
    """A random RGB uint8 image (content does not matter to the converters)."""
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def rect(y0: int, x0: int, y1: int, x1: int, h: int = H, w: int = W) -> np.ndarray:
    """Boolean mask, True on rows y0..y1-1 and columns x0..x1-1."""
    m = np.zeros((h, w), bool)
    m[y0:y1, x0:x1] = True
    return m


def write_rgb(path: str, rgb: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, 100] if path.endswith('.jpg') else []
    assert cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)


def write_gray(path: str, values: np.ndarray) -> None:
    """A single-channel PNG/JPEG of ``values`` (uint8 or uint16)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, 100] if path.endswith('.jpg') else []
    assert cv2.imwrite(path, values, params)


def voc_palette() -> List[int]:
    """The 256-colour VOC palette (bits of the index spread over R, G, B)."""
    palette = []
    for index in range(256):
        r = g = b = 0
        c = index
        for bit in range(8):
            r |= (c & 1) << (7 - bit)
            g |= ((c >> 1) & 1) << (7 - bit)
            b |= ((c >> 2) & 1) << (7 - bit)
            c >>= 3
        palette += [r, g, b]
    return palette


def write_palette_png(path: str, indices: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = Image.fromarray(indices.astype(np.uint8), 'P')
    img.putpalette(voc_palette())
    img.save(path)


def run_cli(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``tools/dataset_converters/<name>.py`` in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'dataset_converters', f'{name}.py'),
         *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def load_split(root: str, split: str) -> dict:
    with open(osp.join(root, 'annotations', f'instances_{split}.json')) as f:
        return json.load(f)


def by_file(coco: dict) -> Dict[str, List[dict]]:
    """{file_name: [annotations]} of a converted json."""
    anns: Dict[int, List[dict]] = {}
    for ann in coco['annotations']:
        anns.setdefault(ann['image_id'], []).append(ann)
    return {img['file_name']: sorted(anns.get(img['id'], []), key=lambda a: a['id'])
            for img in coco['images']}


def check_instances(anns: Sequence[dict], masks: Sequence[np.ndarray],
                    category_ids: Sequence[int] = ()) -> None:
    """The annotations are exactly ``masks`` (in order): RLE, area, tight bbox."""
    assert len(anns) == len(masks), (len(anns), len(masks))
    for k, (ann, mask) in enumerate(zip(anns, masks)):
        decoded = mask_utils.decode(ann['segmentation']).astype(bool)
        assert decoded.shape == mask.shape
        assert (decoded == mask).all(), f'instance {k}: mask differs'
        assert ann['area'] == int(mask.sum())
        ys, xs = np.nonzero(mask)
        x0, y0 = xs.min(), ys.min()
        assert ann['bbox'] == [x0, y0, xs.max() + 1 - x0, ys.max() + 1 - y0]
        assert ann['iscrowd'] == 0
        assert isinstance(ann['segmentation']['counts'], str)
        if category_ids:
            assert ann['category_id'] == category_ids[k]


def check_images_valid(root: str, coco: dict) -> None:
    """Every image entry points at a file of the stated size; ids are unique."""
    ids = [img['id'] for img in coco['images']]
    assert len(set(ids)) == len(ids)
    for img in coco['images']:
        arr = cv2.imread(osp.join(root, img['file_name']))
        assert arr is not None, img['file_name']
        assert arr.shape[:2] == (img['height'], img['width'])


def polygon(x0: float, y0: float, x1: float, y1: float) -> List[List[float]]:
    return [[x0, y0, x1, y0, x1, y1, x0, y1]]


def make_coco(root: str) -> dict:
    """A tiny COCO val2017: 9 images (ids unsorted in the json), polygons, RLE, crowd.

    Sorted ids 3 7 8 11 13 19 25 30 42: position 6 (id 25) is test. Skipped: 8 (crowd
    only), 11 (no annotation), 13 (no file), 19 (file size differs from the json).
    """
    ids = [42, 7, 3, 19, 25, 8, 13, 30, 11]
    images = [dict(id=i, file_name=f'{i:012d}.jpg', height=H, width=W, license=1)
              for i in ids]
    for i in ids:
        if i == 13:
            continue
        write_rgb(osp.join(root, 'val2017', f'{i:012d}.jpg'),
                  image(i, h=H + 4 if i == 19 else H))
    # COCO stores crowd regions as uncompressed RLE (column-major run lengths)
    crowd_rle = dict(size=[H, W],
                     counts=_runs(rect(20, 20, 30, 30).ravel(order='F').astype(np.uint8)))
    anns, ann_id = [], 100
    for i in ids:
        if i == 11:
            continue
        entries = []
        if i != 8:
            entries.append(dict(segmentation=polygon(2, 3, 12.5, 15), area=118.1,
                                bbox=[2, 3, 10.5, 12], iscrowd=0, category_id=1))
        if i in (7, 8):
            entries.append(dict(segmentation=crowd_rle, area=100, bbox=[20, 20, 10, 10],
                                iscrowd=1, category_id=18))
        if i == 42:
            entries.append(dict(segmentation=polygon(20, 10, 35, 28), area=270,
                                bbox=[20, 10, 15, 18], iscrowd=0, category_id=18))
        for e in entries:
            ann_id += 1
            anns.append(dict(e, id=ann_id, image_id=i))
    coco = dict(info=dict(description='tiny'), licenses=[], images=images,
                annotations=anns,
                categories=[dict(id=1, name='person', supercategory='person'),
                            dict(id=18, name='dog', supercategory='animal')])
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    with open(osp.join(root, 'annotations', 'instances_val2017.json'), 'w') as f:
        json.dump(coco, f)
    return coco


def _runs(flat: np.ndarray) -> List[int]:
    """Uncompressed COCO RLE counts of a flat 0/1 array (starts with a 0-run)."""
    counts, value, run = [], 0, 0
    for v in flat:
        if v == value:
            run += 1
        else:
            counts.append(run)
            value, run = v, 1
    counts.append(run)
    return counts
