"""COCO-C: COCO val2017 under the 15 ImageNet-C corruptions (severity 5 in the paper).

Reads a COCO root (``annotations/instances_val2017.json`` + ``val2017/``) and writes,
for every corruption and severity, a self-contained data root::

    <out>/<corruption>/<severity>/val2017/<image>.jpg
    <out>/<corruption>/<severity>/annotations/instances_{adapt,test}.json

The jsons are COCO's split (see :mod:`.coco`) with the corrupted images' file names, so
every corruption shares the clean split. Each image is corrupted with its own random
generator seeded by (seed, corruption, severity, image id): the output does not depend
on the order, the number of workers, or on resuming an interrupted run.
"""
import os
import os.path as osp
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..corruptions import CORRUPTIONS, apply_corruption
from .coco import load_coco_json, split_coco
from .common import (SPLITS, ConversionError, ConversionSummary, base_parser, logger, parse_ratio,
                     run_cli, write_splits)

# (source path, destination path, corruption, severity, seed, image id, jpeg quality)
_Task = Tuple[str, str, str, int, int, int, int]


def corruption_rng(seed: int, name: str, severity: int,
                   image_id: int) -> np.random.Generator:
    """The generator that corrupts one image (independent of any other image)."""
    return np.random.default_rng([seed, CORRUPTIONS.index(name), severity, image_id])


def _corrupt_file(task: _Task) -> str:
    src, dst, name, severity, seed, image_id, quality = task
    # grey COCO images come back with 3 channels; the EXIF orientation is ignored because
    # COCO's annotations (and the json sizes) are on the stored pixels, and the written
    # image carries no EXIF tag to rotate it later
    bgr = cv2.imread(src, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise ConversionError(f'cannot read image {src}')
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    out = apply_corruption(rgb, name, severity,
                           corruption_rng(seed, name, severity, image_id))
    os.makedirs(osp.dirname(dst), exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if dst.lower().endswith('.jpg') else []
    tmp = dst + '.tmp' + osp.splitext(dst)[1]  # keep the extension: imwrite needs it
    if not cv2.imwrite(tmp, cv2.cvtColor(out, cv2.COLOR_RGB2BGR), params):
        raise ConversionError(f'cannot write {dst}')
    os.replace(tmp, dst)
    return dst


def _with_ext(file_name: str, ext: str) -> str:
    return osp.splitext(file_name)[0] + ext


def convert_coco_c(root: str, out: str, corruptions: Sequence[str] = CORRUPTIONS,
                   severities: Sequence[int] = (5, ), seed: int = 0, ext: str = '.jpg',
                   jpeg_quality: int = 95, workers: int = 1, overwrite: bool = False,
                   ann_file: str = 'annotations/instances_val2017.json',
                   image_dir: str = 'val2017', period: int = 7,
                   keep_empty: bool = False) -> List[ConversionSummary]:
    """Corrupt the COCO images of both splits and write one data root per corruption.

    Args:
        root: the clean COCO root.
        out: the COCO-C root (``<out>/<corruption>/<severity>/``).
        ext: ``'.jpg'`` (quality ``jpeg_quality``) or ``'.png'`` (lossless, ~10x larger).
        overwrite: re-create images that exist (default: keep them, i.e. resume).
    """
    unknown = [c for c in corruptions if c not in CORRUPTIONS]
    if unknown:
        raise ConversionError(f'unknown corruptions {unknown}; choose from {CORRUPTIONS}')
    if ext not in ('.jpg', '.png'):
        raise ConversionError(f'ext must be .jpg or .png, got {ext!r}')
    coco = load_coco_json(osp.join(root, ann_file))
    images, annotations, counter = split_coco(root, coco, image_dir, period, keep_empty)
    rule = (f'COCO {ann_file}: image ids sorted, position i % {period} == {period - 1} '
            '-> test; images corrupted')
    summaries = []
    for name in corruptions:
        for severity in severities:
            data_root = osp.join(out, name, str(severity))
            tasks: List[_Task] = []
            new_images: Dict[str, List[dict]] = {}
            for split in SPLITS:
                new_images[split] = []
                for info in images[split]:
                    file_name = _with_ext(info['file_name'], ext)
                    dst = osp.join(data_root, file_name)
                    new_images[split].append(dict(info, file_name=file_name))
                    if overwrite or not osp.isfile(dst):
                        tasks.append((osp.join(root, info['file_name']), dst, name,
                                      int(severity), seed, info['id'], jpeg_quality))
            logger.info('%s/%d: corrupting %d images', name, severity, len(tasks))
            if workers > 1 and len(tasks) > 1:
                with ProcessPoolExecutor(workers) as pool:
                    list(pool.map(_corrupt_file, tasks, chunksize=8))
            else:
                for task in tasks:
                    _corrupt_file(task)
            summaries.append(write_splits(data_root, f'COCO-C {name} severity {severity}',
                                          new_images, annotations, coco['categories'],
                                          counter, rule))
    return summaries


def main(argv: Optional[Sequence[str]] = None) -> List[ConversionSummary]:
    parser = base_parser('COCO val2017 -> COCO-C (corrupted images + adapt/test jsons)',
                         'clean COCO root holding annotations/ and val2017/', min_area=False,
                         out_help='COCO-C root; <out>/<corruption>/<severity>/ is one '
                         'data root (default: coco-c beside the COCO root)')
    parser.add_argument('--corruptions', nargs='+', default=list(CORRUPTIONS),
                        choices=CORRUPTIONS, metavar='NAME',
                        help='default: all 15 (' + ', '.join(CORRUPTIONS) + ')')
    parser.add_argument('--severities', nargs='+', type=int, default=[5],
                        choices=range(1, 6), metavar='S', help='1..5 (default: 5)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--ext', choices=('.jpg', '.png'), default='.jpg')
    parser.add_argument('--jpeg-quality', type=int, default=95)
    parser.add_argument('--workers', type=int, default=1, help='processes')
    parser.add_argument('--overwrite', action='store_true',
                        help='re-create existing images (default: resume)')
    parser.add_argument('--split', type=parse_ratio, default=7, metavar='N:1',
                        help='adapt:test ratio, as for COCO (default 6:1)')
    parser.add_argument('--keep-empty', action='store_true',
                        help='keep images without a non-crowd instance')
    args = parser.parse_args(argv)
    out = args.out or osp.join(osp.dirname(osp.normpath(args.root)), 'coco-c')
    summaries = run_cli(convert_coco_c, root=args.root, out=out,
                        corruptions=args.corruptions, severities=args.severities,
                        seed=args.seed, ext=args.ext, jpeg_quality=args.jpeg_quality,
                        workers=args.workers, overwrite=args.overwrite, period=args.split,
                        keep_empty=args.keep_empty)
    return summaries
