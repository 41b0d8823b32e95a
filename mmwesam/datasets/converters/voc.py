"""Pascal VOC 2012 instance masks (SegmentationObject), split 6:1 interleaved.

Layout (``root`` = data/VOCdevkit/VOC2012)::

    JPEGImages/<id>.jpg
    SegmentationObject/<id>.png   palette PNG: index k > 0 = instance k, 255 = void
    SegmentationClass/<id>.png    palette PNG: index 1..20 = class, 0 background, 255 void
    ImageSets/Segmentation/{train,val}.txt

An instance's category is the majority class (1..20) of its pixels in the class map;
without a SegmentationClass folder every instance is of one category ``object``.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from .common import (MISSING_MASK, ConversionError, ConversionSummary, Instance, Sample,
                     SkipCounter, SkipImage, assign_interleaved, base_parser, check_same_size,
                     convert_samples, list_files, parse_ratio, require_dir, run_cli)

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
               'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
               'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
VOID = 255
MISSING_CLASS_MASK = 'missing class mask'
NO_CLASS = 'instance has no class pixel'


def read_indexed_png(path: str) -> Tuple[np.ndarray, int]:
    """Indices of a palette PNG and its number of palette colours.

    A grey ('L') PNG is accepted as already holding the indices (palette size 256).
    """
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode not in ('P', 'L'):
                raise ConversionError(f'{path}: expected an indexed (palette) PNG, got mode '
                                      f'{img.mode}')
            palette = img.getpalette() if img.mode == 'P' else None
            arr = np.array(img)
    except ConversionError:
        raise
    except Exception as err:  # PIL raises many types for broken files
        raise ConversionError(f'cannot read mask {path}: {err!r}') from err
    return arr, (len(palette) // 3 if palette else 256)


def check_values(arr: np.ndarray, allowed: np.ndarray, path: str, what: str) -> None:
    """ConversionError naming the file and the first value outside ``allowed``."""
    values = np.unique(arr)
    bad = values[~np.isin(values, allowed)]
    if bad.size:
        raise ConversionError(f'{path}: value {int(bad[0])} is not a valid {what} '
                              f'(all invalid values: {bad.tolist()})')


def list_voc_samples(root: str, image_sets: Sequence[str] = ('train', 'val'),
                     all_masks: bool = False) -> List[str]:
    """Sorted image ids: the union of the Segmentation image sets, or every object PNG."""
    if all_masks:
        folder = require_dir(osp.join(root, 'SegmentationObject'), 'SegmentationObject')
        return sorted(osp.splitext(f)[0] for f in list_files(folder, ['.png']))
    ids = set()
    for name in image_sets:
        path = osp.join(root, 'ImageSets', 'Segmentation', f'{name}.txt')
        if not osp.isfile(path):
            raise ConversionError(f'image set not found: {path} (use --all-masks to list '
                                  'SegmentationObject/*.png instead)')
        with open(path) as f:
            ids.update(line.split()[0] for line in f if line.strip())
    return sorted(ids)


def convert_voc(root: str, out: Optional[str] = None,
                image_sets: Sequence[str] = ('train', 'val'), all_masks: bool = False,
                period: int = 7, min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for VOC 2012."""
    out = out or root
    require_dir(osp.join(root, 'JPEGImages'), 'JPEGImages (root must be VOC2012)')
    object_dir = require_dir(osp.join(root, 'SegmentationObject'), 'SegmentationObject')
    class_dir = osp.join(root, 'SegmentationClass')
    with_classes = osp.isdir(class_dir)
    if with_classes:
        categories = [dict(id=i, name=n) for i, n in enumerate(VOC_CLASSES, start=1)]
    else:
        categories = [dict(id=1, name='object')]
    valid_classes = np.array(list(range(len(VOC_CLASSES) + 1)) + [VOID])

    def load(sample: Sample, size: Tuple[int, int],
             counter: SkipCounter) -> List[Instance]:
        image_id = sample.info['id']
        object_path = osp.join(object_dir, image_id + '.png')
        if not osp.isfile(object_path):
            raise SkipImage(MISSING_MASK, object_path)
        objects, palette_size = read_indexed_png(object_path)
        check_values(objects, np.array(list(range(palette_size)) + [VOID]), object_path,
                     f'instance index (the palette has {palette_size} colours)')
        check_same_size(objects, size, object_path)
        classes = None
        if with_classes:
            class_path = osp.join(class_dir, image_id + '.png')
            if not osp.isfile(class_path):
                raise SkipImage(MISSING_CLASS_MASK, class_path)
            classes, _ = read_indexed_png(class_path)
            check_values(classes, valid_classes, class_path,
                         f'VOC class index (0..{len(VOC_CLASSES)} or {VOID})')
            check_same_size(classes, size, class_path)
        instances = []
        for value in np.unique(objects):
            if value in (0, VOID):
                continue
            mask = objects == value
            category = 1
            if classes is not None:
                labels = classes[mask]
                labels = labels[(labels >= 1) & (labels <= len(VOC_CLASSES))]
                if labels.size == 0:
                    counter.drop_instance(NO_CLASS, object_path, f'(instance {value})')
                    continue
                category = int(np.bincount(labels).argmax())
            instances.append(Instance(mask, category))
        return instances

    ids = list_voc_samples(root, image_sets, all_masks)
    samples = assign_interleaved(
        [Sample(f'JPEGImages/{i}.jpg', info=dict(id=i)) for i in ids], period)
    source = 'SegmentationObject/*.png' if all_masks else '+'.join(image_sets)
    rule = f'VOC2012 {source}: sorted ids, position i % {period} == {period - 1} -> test'
    notes = [] if with_classes else ['no SegmentationClass folder: one category "object"']
    return convert_samples(root, out, 'Pascal VOC 2012', samples, load, categories, rule,
                           min_area=min_area, notes=notes)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('Pascal VOC 2012 SegmentationObject -> adapt/test jsons (6:1)',
                         'the VOC2012 folder (e.g. data/VOCdevkit/VOC2012)')
    parser.add_argument('--image-sets', nargs='+', default=['train', 'val'],
                        help='ImageSets/Segmentation lists to take the union of')
    parser.add_argument('--all-masks', action='store_true',
                        help='convert every SegmentationObject/*.png instead of the lists')
    parser.add_argument('--split', type=parse_ratio, default=7, metavar='N:1',
                        help='adapt:test ratio of the interleaved split (default 6:1)')
    args = parser.parse_args(argv)
    return run_cli(convert_voc, root=args.root, out=args.out, image_sets=args.image_sets,
                   all_masks=args.all_masks, period=args.split, min_area=args.min_area)
