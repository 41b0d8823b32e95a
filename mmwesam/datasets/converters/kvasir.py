"""Kvasir-SEG polyps, split 5:1 interleaved over the sorted image names.

Layout (``root`` = data/kvasir, the unzipped Kvasir-SEG folder)::

    images/<name>.jpg
    masks/<name>.jpg          JPEG (lossy) binary masks: foreground = value > 127
    kavsir_bboxes.json        {name: {height, width, bbox: [{label, xmin, ymin, xmax, ymax}]}}

Each listed box is one polyp: its instance is the mask foreground inside the box
(corners inclusive). Pixels inside two boxes belong to both instances; foreground
outside every box is lost. Both are counted in the summary.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .common import (MISSING_MASK, SIZE_MISMATCH, ConversionError, ConversionSummary, Instance,
                     Sample, SkipCounter, SkipImage, assign_interleaved, base_parser,
                     binary_instances, check_same_size, convert_samples, find_with_stem, list_files,
                     parse_ratio, read_binary_foreground, rel_posix, require_dir, run_cli)

BOX_FILE = 'kavsir_bboxes.json'  # sic: the dataset's own spelling
NO_BOX_ENTRY = f'no entry in {BOX_FILE}'
EMPTY_BOX = 'box without foreground'
OVERLAP = 'boxes overlap on foreground (shared pixels)'
OUTSIDE = 'foreground outside every box'


def load_boxes(path: str) -> Dict[str, dict]:
    try:
        with open(path) as f:
            boxes = json.load(f)
    except (OSError, ValueError) as err:
        raise ConversionError(f'cannot read {path}: {err}') from err
    if not isinstance(boxes, dict):
        raise ConversionError(f'{path}: expected {{name: {{height, width, bbox}}}}')
    return boxes


def box_instances(foreground: np.ndarray, entry: dict, path: str,
                  counter: SkipCounter) -> List[np.ndarray]:
    """Foreground inside each box of one ``kavsir_bboxes.json`` entry."""
    h, w = foreground.shape
    if (entry.get('height'), entry.get('width')) not in ((h, w), (None, None)):
        raise SkipImage(SIZE_MISMATCH, path, f'{BOX_FILE} says {entry.get("width")}x'
                        f'{entry.get("height")}, mask {w}x{h}')
    instances, covered = [], np.zeros_like(foreground)
    overlap = False
    for box in entry.get('bbox', []):
        try:
            x0, y0, x1, y1 = (int(round(float(box[k])))
                              for k in ('xmin', 'ymin', 'xmax', 'ymax'))
        except (KeyError, TypeError, ValueError) as err:
            raise ConversionError(f'{BOX_FILE}: bad box {box} for {path}') from err
        inside = np.zeros_like(foreground)
        inside[max(y0, 0):max(y1 + 1, 0), max(x0, 0):max(x1 + 1, 0)] = True
        mask = foreground & inside
        if not mask.any():
            counter.drop_instance(EMPTY_BOX, path, f'{box}')
            continue
        overlap |= bool((covered & mask).any())
        covered |= mask
        instances.append(mask)
    if overlap:
        counter.oddity(OVERLAP, path)
    lost = int(np.count_nonzero(foreground & ~covered))
    if lost:
        counter.oddity(OUTSIDE, path, f'({lost} px)')
    return instances


def convert_kvasir(root: str, out: Optional[str] = None, instances: str = 'boxes',
                   period: int = 6, min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for Kvasir-SEG.

    Args:
        instances: ``'boxes'`` (default): one instance per box of kavsir_bboxes.json;
            ``'value'``: the whole foreground is one instance; ``'connected'``: one
            instance per connected component (the box file is not needed).
    """
    out = out or root
    image_dir = require_dir(osp.join(root, 'images'), 'images')
    mask_dir = require_dir(osp.join(root, 'masks'), 'masks')
    boxes = load_boxes(osp.join(root, BOX_FILE)) if instances == 'boxes' else {}

    def load(sample: Sample, size: Tuple[int, int],
             counter: SkipCounter) -> List[Instance]:
        stem = sample.info['stem']
        mask_path = find_with_stem(mask_dir, stem, ('.jpg', '.png', '.jpeg'))
        if mask_path is None:
            raise SkipImage(MISSING_MASK, osp.join(mask_dir, stem + '.jpg'))
        foreground = read_binary_foreground(mask_path)
        check_same_size(foreground, size, mask_path)
        if instances == 'boxes':
            if stem not in boxes:
                raise SkipImage(NO_BOX_ENTRY, mask_path)
            masks = box_instances(foreground, boxes[stem], mask_path, counter)
        else:
            masks = binary_instances(foreground, instances)
        return [Instance(m) for m in masks]

    samples = assign_interleaved(
        [Sample(rel_posix(osp.join(image_dir, f), root), info=dict(stem=osp.splitext(f)[0]))
         for f in list_files(image_dir, ('.jpg', '.jpeg', '.png'))], period)
    rule = f'Kvasir-SEG images/: sorted names, position i % {period} == {period - 1} -> test'
    return convert_samples(root, out, 'Kvasir-SEG', samples, load,
                           [dict(id=1, name='polyp')], rule, min_area=min_area)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('Kvasir-SEG -> adapt/test jsons (5:1 interleaved)',
                         'the Kvasir-SEG folder holding images/, masks/ and '
                         f'{BOX_FILE} (e.g. data/kvasir)')
    parser.add_argument('--instances', choices=('boxes', 'value', 'connected'),
                        default='boxes',
                        help=f'boxes (default): foreground inside each box of {BOX_FILE}; '
                        'value: the whole foreground; connected: connected components')
    parser.add_argument('--split', type=parse_ratio, default=6, metavar='N:1',
                        help='adapt:test ratio of the interleaved split (default 5:1)')
    args = parser.parse_args(argv)
    return run_cli(convert_kvasir, root=args.root, out=args.out, instances=args.instances,
                   period=args.split, min_area=args.min_area)
