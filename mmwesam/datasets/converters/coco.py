"""COCO 2017: the paper adapts and tests on val2017, split 6:1 interleaved by image id.

Layout (``root`` = data/coco)::

    annotations/instances_val2017.json
    val2017/*.jpg

Annotations are kept as COCO has them (polygons or RLE, crowd flags); only the split
and the ``file_name`` prefix (``val2017/``) change.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from .common import (SPLITS, ConversionError, ConversionSummary, SkipCounter, SkipImage,
                     base_parser, image_size, interleaved_split, parse_ratio, run_cli, write_splits)

NO_INSTANCE = 'no non-crowd instance'
JSON_SIZE_MISMATCH = 'image size differs from the json'


def load_coco_json(path: str) -> dict:
    """Read a COCO instance json; ConversionError naming the file if it is not one."""
    try:
        with open(path) as f:
            coco = json.load(f)
    except (OSError, ValueError) as err:
        raise ConversionError(f'cannot read COCO json {path}: {err}') from err
    for key in ('images', 'annotations', 'categories'):
        if key not in coco:
            raise ConversionError(f'{path}: not a COCO instance json (no "{key}")')
    return coco


def split_coco(root: str, coco: dict, image_dir: str = 'val2017', period: int = 7,
               keep_empty: bool = False, check_images: bool = True,
               counter: Optional[SkipCounter] = None
               ) -> Tuple[Dict[str, List[dict]], Dict[str, List[dict]], SkipCounter]:
    """Split COCO images (sorted by id, every ``period``-th to test) with their annotations.

    Returns per-split image and annotation lists (image ``file_name`` prefixed with
    ``image_dir``) and the counter of skipped images.
    """
    counter = counter or SkipCounter()
    by_image: Dict[int, List[dict]] = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    images: Dict[str, List[dict]] = {s: [] for s in SPLITS}
    annotations: Dict[str, List[dict]] = {s: [] for s in SPLITS}
    for index, info in enumerate(sorted(coco['images'], key=lambda i: i['id'])):
        # the split is decided before skipping, so a skipped image shifts nothing
        split = interleaved_split(index, period)
        file_name = f'{image_dir}/{info["file_name"]}' if image_dir else info['file_name']
        path = osp.join(root, file_name)
        anns = by_image.get(info['id'], [])
        if not keep_empty and not any(not a.get('iscrowd', 0) for a in anns):
            counter.skip_image(NO_INSTANCE, path)
            continue
        if check_images:
            try:
                # COCO's own sizes are the reference: the json and annotations agree
                size = image_size(path, check_exif=False)
            except SkipImage as skip:
                counter.skip_image(skip.reason, path)
                continue
            if size != (info['height'], info['width']):
                counter.skip_image(JSON_SIZE_MISMATCH, path,
                                   f'file {size[1]}x{size[0]}, json '
                                   f'{info["width"]}x{info["height"]}')
                continue
        images[split].append(dict(info, file_name=file_name))
        annotations[split].extend(anns)
    return images, annotations, counter


def convert_coco(root: str, out: Optional[str] = None,
                 ann_file: str = 'annotations/instances_val2017.json',
                 image_dir: str = 'val2017', period: int = 7, keep_empty: bool = False,
                 check_images: bool = True) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for COCO val2017."""
    out = out or root
    coco = load_coco_json(osp.join(root, ann_file))
    images, annotations, counter = split_coco(root, coco, image_dir, period, keep_empty,
                                              check_images)
    rule = f'COCO {ann_file}: image ids sorted, position i % {period} == {period - 1} -> test'
    return write_splits(out, 'COCO', images, annotations, coco['categories'], counter, rule)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('COCO val2017 -> adapt/test jsons (6:1 interleaved by image id)',
                         'COCO root holding annotations/ and val2017/ (e.g. data/coco)',
                         min_area=False)
    parser.add_argument('--ann-file', default='annotations/instances_val2017.json',
                        help='COCO json, relative to the root')
    parser.add_argument('--image-dir', default='val2017',
                        help='image folder relative to the root')
    parser.add_argument('--split', type=parse_ratio, default=7, metavar='N:1',
                        help='adapt:test ratio of the interleaved split (default 6:1)')
    parser.add_argument('--keep-empty', action='store_true',
                        help='keep images without a non-crowd instance (default: skip)')
    parser.add_argument('--no-check-images', action='store_true',
                        help='do not open every image to check it exists and its size')
    args = parser.parse_args(argv)
    return run_cli(convert_coco, root=args.root, out=args.out, ann_file=args.ann_file,
                   image_dir=args.image_dir, period=args.split, keep_empty=args.keep_empty,
                   check_images=not args.no_check_images)
