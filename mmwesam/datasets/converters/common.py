"""Shared pieces of the dataset converters.

Every converter turns a dataset, as its authors distribute it, into the project's one
format (COCO instance json read by ``SAMInstanceDataset``)::

    <out>/annotations/instances_adapt.json   adaptation (training) split
    <out>/annotations/instances_test.json    held-out test split

with image ``file_name``s relative to the dataset root (no image is copied).

A converter lists its images as :class:`Sample` s, gives each one a split, and hands a
``load_instances`` function to :func:`convert_samples`, which reads image sizes, turns
masks into annotations, skips and counts bad images, writes both jsons and returns a
:class:`ConversionSummary`.

Bad data policy (never a silently wrong instance):

* an image without its mask, or whose mask size differs from the image, is skipped and
  counted (the paper's loaders drop such images too);
* an image whose mask holds no instance is skipped and counted;
* a file that cannot be read, or a mask with values the dataset does not define, stops
  the conversion with a :class:`ConversionError` naming the file.
"""
import argparse
import json
import logging
import os
import os.path as osp
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

logger = logging.getLogger('mmwesam.converters')

SPLITS: Tuple[str, str] = ('adapt', 'test')
ANN_FILES: Dict[str, str] = dict(adapt='annotations/instances_adapt.json',
                                 test='annotations/instances_test.json')

# Reasons an image is skipped (printed in the summary).
MISSING_MASK = 'missing mask'
SIZE_MISMATCH = 'image/mask size mismatch'
EMPTY_MASK = 'empty mask (no instance)'
MISSING_IMAGE = 'missing image'
EXIF_ROTATED = 'EXIF-rotated image (mask orientation ambiguous)'


class ConversionError(RuntimeError):
    """Input the converter cannot interpret; the message names the file."""


class SkipImage(Exception):
    """Raised by a ``load_instances`` function: drop this image, count ``reason``."""

    def __init__(self, reason: str, path: str = '', detail: str = '') -> None:
        super().__init__(f'{reason}: {path} {detail}'.strip())
        self.reason, self.path, self.detail = reason, path, detail


@dataclass
class Sample:
    """One image of a dataset before conversion.

    Args:
        file_name: image path relative to the dataset root (posix separators).
        split: ``'adapt'`` or ``'test'``; set by the dataset's split rule.
        info: dataset specific data for ``load_instances`` (mask paths, ...).
    """
    file_name: str
    split: Optional[str] = None
    info: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Instance:
    """One object: a boolean HxW mask and its category id."""
    mask: np.ndarray
    category_id: int = 1


class SkipCounter:
    """Counts skipped images, dropped instances and other oddities by reason.

    The first few of each reason are also logged as warnings with the file name.
    """

    def __init__(self, max_warnings_per_reason: int = 10) -> None:
        self.images: Counter = Counter()
        self.instances: Counter = Counter()
        self.oddities: Counter = Counter()
        self.max_warnings = max_warnings_per_reason

    def _warn(self, counter: Counter, what: str, reason: str, path: str,
              detail: str) -> None:
        counter[reason] += 1
        n = counter[reason]
        if n <= self.max_warnings:
            logger.warning('%s %s (%s) %s', what, path, reason, detail)
            if n == self.max_warnings:
                logger.warning('further "%s" warnings are only counted', reason)

    def skip_image(self, reason: str, path: str, detail: str = '') -> None:
        self._warn(self.images, 'skipped image', reason, path, detail)

    def drop_instance(self, reason: str, path: str, detail: str = '') -> None:
        self._warn(self.instances, 'dropped an instance of', reason, path, detail)

    def oddity(self, reason: str, path: str, detail: str = '') -> None:
        """Something kept but worth a look (e.g. foreground outside every box)."""
        self._warn(self.oddities, 'note on', reason, path, detail)


@dataclass
class ConversionSummary:
    """What a conversion wrote; ``str()`` gives the report the CLIs print."""
    dataset: str
    images: Dict[str, int]
    instances: Dict[str, int]
    skipped_images: Counter
    dropped_instances: Counter
    ann_files: Dict[str, str]
    oddities: Counter = field(default_factory=Counter)
    notes: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f'{self.dataset}:']
        for split in SPLITS:
            lines.append(f'  {split:5s}: {self.images[split]:6d} images '
                         f'{self.instances[split]:7d} instances -> '
                         f'{self.ann_files[split]}')
        lines.append(f'  skipped images: {sum(self.skipped_images.values())}')
        for reason, n in sorted(self.skipped_images.items()):
            lines.append(f'    {reason}: {n}')
        if self.dropped_instances:
            lines.append(f'  dropped instances: {sum(self.dropped_instances.values())}')
            for reason, n in sorted(self.dropped_instances.items()):
                lines.append(f'    {reason}: {n}')
        if self.oddities:
            lines.append('  kept, but worth a look (images):')
            for reason, n in sorted(self.oddities.items()):
                lines.append(f'    {reason}: {n}')
        lines += [f'  note: {note}' for note in self.notes]
        return '\n'.join(lines)


# ------------------------------------------------------------------------------ splits
def parse_ratio(ratio: str) -> int:
    """``'6:1'`` -> 7: the period of an interleaved split with 1 test image per period."""
    try:
        adapt, test = (int(v) for v in ratio.split(':'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a ratio like 6:1, got {ratio!r}')
    if test != 1 or adapt < 1:
        raise argparse.ArgumentTypeError(f'expected a ratio N:1 with N >= 1, got {ratio!r}')
    return adapt + 1


def interleaved_split(index: int, period: int) -> str:
    """Position ``index`` of a sorted list: the last of every ``period`` goes to test."""
    return 'test' if index % period == period - 1 else 'adapt'


def assign_interleaved(samples: Iterable[Sample], period: int) -> List[Sample]:
    """Sort by file name and split interleaved.

    The split is decided on the full sorted list, before any image is skipped, so a bad
    file does not shift every later image into the other split.
    """
    samples = sorted(samples, key=lambda s: s.file_name)
    for index, sample in enumerate(samples):
        sample.split = interleaved_split(index, period)
    return samples


# ------------------------------------------------------------------------------- files
def rel_posix(path: str, root: str) -> str:
    """``path`` relative to ``root`` with '/' separators (json file names)."""
    return osp.relpath(path, root).replace(os.sep, '/')


def list_files(folder: str, extensions: Sequence[str]) -> List[str]:
    """Sorted file names (not paths) in ``folder`` with one of ``extensions``."""
    exts = tuple(e.lower() for e in extensions)
    return sorted(f for f in os.listdir(folder)
                  if f.lower().endswith(exts) and osp.isfile(osp.join(folder, f)))


def find_with_stem(folder: str, stem: str, extensions: Sequence[str]) -> Optional[str]:
    """The file ``<folder>/<stem><ext>`` for the first extension that exists."""
    for ext in extensions:
        path = osp.join(folder, stem + ext)
        if osp.isfile(path):
            return path
    return None


def require_dir(path: str, what: str) -> str:
    if not osp.isdir(path):
        raise ConversionError(f'{what} folder not found: {path}')
    return path


def image_size(path: str, check_exif: bool = True) -> Tuple[int, int]:
    """(height, width) of an image from its header; ConversionError if unreadable.

    An image with an EXIF orientation that swaps or flips its axes is reported with
    :class:`SkipImage`: OpenCV (mmcv's loader) applies the rotation, PIL does not, and
    the mask was drawn on one of the two, so no size check can tell which.
    """
    if not osp.isfile(path):
        raise SkipImage(MISSING_IMAGE, path)
    try:
        with Image.open(path) as img:
            img.verify()  # cheap check of the file structure (PNG CRCs), no decoding
        with Image.open(path) as img:  # verify() leaves the image unusable
            width, height = img.size
            orientation = img.getexif().get(0x0112, 1)
    except Exception as err:  # PIL raises many types for broken files
        raise ConversionError(f'cannot read image {path}: {err!r}') from err
    if check_exif and orientation not in (None, 1):
        raise SkipImage(EXIF_ROTATED, path, f'orientation tag {orientation}')
    return height, width


_SINGLE_CHANNEL_MODES = ('1', 'L', 'P', 'I', 'I;16', 'I;16B', 'I;16L', 'I;16N')


def read_mask_array(path: str, kind: str) -> np.ndarray:
    """Read a mask image as a 2-D integer array.

    Args:
        kind: ``'binary'``: a colour mask is converted to luminance (JPEG masks have
            slightly different channels); ``'label'``: values are labels, so a colour
            image is accepted only when its channels are equal. Palette images give
            their indices in both cases.
    """
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if mode in ('LA', 'PA'):  # a transparency channel carries no label
                arr = np.array(img)[..., 0]
            elif mode in _SINGLE_CHANNEL_MODES:
                arr = np.array(img)
            elif kind == 'binary':
                arr = np.array(img.convert('L'))
            else:
                arr = np.array(img.convert('RGB'))
                if not (arr == arr[..., :1]).all():
                    raise ConversionError(
                        f'{path}: expected a single-channel label image, got a colour '
                        f'image (mode {mode})')
                arr = arr[..., 0]
    except ConversionError:
        raise
    except Exception as err:  # PIL raises many types for broken files
        raise ConversionError(f'cannot read mask {path}: {err!r}') from err
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    return arr


def binarize_mask(values: np.ndarray) -> np.ndarray:
    """Foreground of a binary mask, whatever its encoding.

    * two values {0, v} (0/255, 0/1, ...): v is foreground;
    * more values (JPEG artefacts, anti-aliased or resized masks): above half of the
      dtype's range (> 127 for 8 bit);
    * only zeros: empty.
    """
    uniq = np.unique(values)
    if len(uniq) <= 2 and uniq[0] == 0:
        return values > 0
    limit = np.iinfo(values.dtype).max // 2 if values.dtype.kind in 'ui' else 0.5
    return values > limit


def read_binary_foreground(path: str) -> np.ndarray:
    """Boolean foreground of a binary mask file.

    JPEG masks (lossy: values near 0 and 255) are thresholded at > 127 on luminance;
    lossless masks go through :func:`binarize_mask`.
    """
    values = read_mask_array(path, 'binary')
    if path.lower().endswith(('.jpg', '.jpeg')):
        return values > 127
    return binarize_mask(values)


def check_same_size(mask: np.ndarray, size: Tuple[int, int], mask_path: str) -> None:
    """SkipImage(SIZE_MISMATCH) unless ``mask`` is ``size`` (height, width)."""
    if mask.shape[:2] != tuple(size):
        raise SkipImage(SIZE_MISMATCH, mask_path,
                        f'mask {mask.shape[1]}x{mask.shape[0]}, image {size[1]}x{size[0]}')


# --------------------------------------------------------------------------- instances
def instances_from_label_map(label_map: np.ndarray,
                             ignore: Iterable[int] = (0, )) -> List[Tuple[int, np.ndarray]]:
    """(value, boolean mask) for every distinct value not in ``ignore``, by value.

    One value is one object even when its pixels are split in parts (occlusion).
    """
    ignored = set(int(v) for v in ignore)
    return [(int(v), label_map == v) for v in np.unique(label_map) if int(v) not in ignored]


def connected_instances(mask: np.ndarray) -> List[np.ndarray]:
    """8-connected components of a boolean mask, in OpenCV's label order."""
    num, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    return [labels == k for k in range(1, num)]


def binary_instances(foreground: np.ndarray, mode: str) -> List[np.ndarray]:
    """Instances of a binarised mask: ``'value'``: the foreground is one instance;
    ``'connected'``: one instance per connected component."""
    if mode == 'connected':
        return connected_instances(foreground)
    if mode == 'value':
        return [foreground] if foreground.any() else []
    raise ValueError(f'unknown instance mode {mode!r}')


def binary_mask_loader(mode: str) -> 'LoadFn':
    """``load_instances`` for datasets with one binary mask per image.

    The mask's expected path is ``sample.info['mask']``; ``mode`` as in
    :func:`binary_instances`.
    """
    if mode not in ('value', 'connected'):
        raise ValueError(f'unknown instance mode {mode!r}')

    def load(sample: Sample, size: Tuple[int, int],
             counter: SkipCounter) -> List[Instance]:
        mask_path = sample.info['mask']
        if not osp.isfile(mask_path):
            raise SkipImage(MISSING_MASK, mask_path)
        foreground = read_binary_foreground(mask_path)
        check_same_size(foreground, size, mask_path)
        return [Instance(m) for m in binary_instances(foreground, mode)]

    return load


def mask_to_annotation(mask: np.ndarray, ann_id: int, image_id: int,
                       category_id: int) -> Dict[str, Any]:
    """COCO annotation of a boolean mask: compressed RLE (str counts), area, tight bbox."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    bbox = [float(v) for v in mask_utils.toBbox(rle)]
    area = int(mask_utils.area(rle))
    rle['counts'] = rle['counts'].decode('ascii')
    return dict(id=ann_id, image_id=image_id, category_id=category_id,
                segmentation=dict(size=[int(s) for s in rle['size']], counts=rle['counts']),
                area=area, bbox=bbox, iscrowd=0)


# ---------------------------------------------------------------------------- writing
def write_coco_json(path: str, images: List[dict], annotations: List[dict],
                    categories: List[dict], info: Optional[dict] = None) -> None:
    """Write one COCO instance json (compact, the files can be large)."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    content = dict(info=info or {}, images=images, annotations=annotations,
                   categories=categories)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(content, f, separators=(',', ':'))
    os.replace(tmp, path)  # no half-written json if the process is killed


def write_splits(out: str, dataset: str, images: Dict[str, List[dict]],
                 annotations: Dict[str, List[dict]], categories: List[dict],
                 counter: SkipCounter, rule: str,
                 notes: Sequence[str] = ()) -> ConversionSummary:
    """Write both split jsons under ``out`` and summarise.

    No instance in any split is an error (nothing is written): training and testing on
    empty jsons would fail later, far from the cause, which the skip counts name here. One
    empty split is allowed (CHAMELEON is test-only by design); the summary shows it.
    """
    empty = [split for split in SPLITS if not annotations[split]]
    if len(empty) == len(SPLITS):
        skipped = ', '.join(f'{n} {reason}' for reason, n in sorted(counter.images.items())) \
            or 'none'
        dropped = ', '.join(f'{n} {reason}' for reason, n in
                            sorted(counter.instances.items())) or 'none'
        raise ConversionError(
            f'{dataset}: no instances in the {" and ".join(empty)} split(s) '
            f'({", ".join(f"{s}: {len(images[s])} images" for s in SPLITS)}); skipped '
            f'images: {skipped}; dropped instances: {dropped}. Check the input folder and '
            'the --min-area / split options; nothing was written')
    ann_files = {}
    for split in SPLITS:
        path = osp.join(out, ANN_FILES[split])
        write_coco_json(path, images[split], annotations[split], categories,
                        info=dict(description=f'{dataset} ({split} split)', split=split,
                                  split_rule=rule))
        ann_files[split] = path
    return ConversionSummary(
        dataset=dataset, images={s: len(images[s]) for s in SPLITS},
        instances={s: len(annotations[s]) for s in SPLITS},
        skipped_images=counter.images, dropped_instances=counter.instances,
        ann_files=ann_files, oddities=counter.oddities, notes=list(notes))


LoadFn = Callable[[Sample, Tuple[int, int], SkipCounter], List[Instance]]


def convert_samples(root: str, out: str, dataset: str, samples: Sequence[Sample],
                    load_instances: LoadFn, categories: List[dict], rule: str,
                    counter: Optional[SkipCounter] = None, min_area: int = 1,
                    notes: Sequence[str] = ()) -> ConversionSummary:
    """Convert listed samples (with their split set) and write the two jsons.

    Image ids follow the sorted file names of all listed samples (1..N, both splits),
    so they are stable whatever gets skipped; annotation ids run over both splits.

    Args:
        load_instances: ``(sample, (height, width), counter) -> [Instance]``; raises
            :class:`SkipImage` to drop the image, :class:`ConversionError` to stop.
        min_area: instances with fewer pixels are dropped and counted.
    """
    counter = counter or SkipCounter()
    samples = sorted(samples, key=lambda s: s.file_name)
    names = [s.file_name for s in samples]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ConversionError(f'{dataset}: image {dup} is listed twice')
    category_ids = {c['id'] for c in categories}
    images: Dict[str, List[dict]] = {s: [] for s in SPLITS}
    annotations: Dict[str, List[dict]] = {s: [] for s in SPLITS}
    next_ann_id = 1
    for image_id, sample in enumerate(samples, start=1):
        if sample.split not in SPLITS:
            raise ValueError(f'{sample.file_name}: split {sample.split!r} not set')
        path = osp.join(root, sample.file_name)
        try:
            size = image_size(path)
            instances = load_instances(sample, size, counter)
        except SkipImage as skip:
            counter.skip_image(skip.reason, skip.path or path, skip.detail)
            continue
        kept = []
        for inst in instances:
            if inst.mask.shape != size:  # loaders check sizes; this guards against bugs
                raise ConversionError(f'{path}: instance mask {inst.mask.shape} does not '
                                      f'match the image {size}')
            if inst.category_id not in category_ids:
                raise ConversionError(f'{path}: category id {inst.category_id} unknown')
            area = int(np.count_nonzero(inst.mask))
            if area < max(min_area, 1):
                counter.drop_instance(f'area < {max(min_area, 1)} px', path, f'({area} px)')
                continue
            kept.append(inst)
        if not kept:
            counter.skip_image(EMPTY_MASK, path)
            continue
        height, width = size
        images[sample.split].append(
            dict(id=image_id, file_name=sample.file_name, height=height, width=width))
        for inst in kept:
            annotations[sample.split].append(
                mask_to_annotation(inst.mask, next_ann_id, image_id, inst.category_id))
            next_ann_id += 1
    return write_splits(out, dataset, images, annotations, categories, counter, rule, notes)


# --------------------------------------------------------------------------------- CLI
def base_parser(description: str, root_help: str, min_area: bool = True,
                out_help: Optional[str] = None) -> argparse.ArgumentParser:
    """Arguments every converter CLI has: the raw root, ``--out`` (and ``--min-area``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('root', help=root_help)
    parser.add_argument('--out', default=None,
                        help=out_help or 'where annotations/instances_{adapt,test}.json '
                        'are written (default: the root, so that the image file names, '
                        'relative to the root, stay valid)')
    if min_area:
        parser.add_argument('--min-area', type=int, default=1,
                            help='drop (and count) instances with fewer pixels (default 1)')
    return parser


def add_instance_mode(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--instances', choices=('value', 'connected'), default='value',
        help='value (default): the binarised ground truth is one instance; connected: '
        'every 8-connected component of it is an instance')


def run_cli(convert: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a conversion with warnings on stderr and print its summary (or summaries)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format='%(levelname)s: %(message)s')
    try:
        summary = convert(**kwargs)
    except ConversionError as err:
        raise SystemExit(f'error: {err}')
    for one in summary if isinstance(summary, list) else [summary]:
        print(one)
    return summary
