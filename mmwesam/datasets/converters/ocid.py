"""OCID (Object Clutter Indoor Dataset): robot scenes, split 6:1 interleaved.

Layout (``root`` = data/ocid, the OCID-dataset folder)::

    <any depth>/seq<NN>/rgb/<name>.png
    <any depth>/seq<NN>/label/<name>.png     label map, same file name

Label 0 is background, 1 the table (floor) and is removed; in sequences whose path
(relative to the root) contains ``table`` label 2 is removed as well (the rule of the
paper's reference loader). Every other value is one object.
The split is over the sorted relative paths of the rgb images.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from .common import (MISSING_MASK, ConversionError, ConversionSummary, Instance, Sample,
                     SkipCounter, SkipImage, assign_interleaved, base_parser, check_same_size,
                     convert_samples, instances_from_label_map, list_files, parse_ratio,
                     read_mask_array, rel_posix, run_cli)


def list_ocid_samples(root: str) -> List[Sample]:
    """Every ``seq*/rgb/*.png`` below ``root`` with its label path."""
    if not osp.isdir(root):
        raise ConversionError(f'OCID root not found: {root}')
    samples = []
    for dirpath, dirnames, _ in os.walk(root):
        dirnames.sort()
        if osp.basename(dirpath) != 'rgb' or not osp.basename(
                osp.dirname(dirpath)).startswith('seq'):
            continue
        seq_dir = osp.dirname(dirpath)
        ignore = (0, 1, 2) if 'table' in rel_posix(seq_dir, root) else (0, 1)
        for name in list_files(dirpath, ('.png', )):
            samples.append(Sample(rel_posix(osp.join(dirpath, name), root), info=dict(
                mask=osp.join(seq_dir, 'label', name), ignore=ignore)))
    if not samples:
        raise ConversionError(f'no seq*/rgb/*.png found below {root}')
    return samples


def load_label_instances(sample: Sample, size: Tuple[int, int],
                         counter: SkipCounter) -> List[Instance]:
    """Instances of a label map: every value not in ``sample.info['ignore']``."""
    mask_path = sample.info['mask']
    if not osp.isfile(mask_path):
        raise SkipImage(MISSING_MASK, mask_path)
    labels = read_mask_array(mask_path, 'label')
    check_same_size(labels, size, mask_path)
    return [Instance(m) for _, m in instances_from_label_map(labels, sample.info['ignore'])]


def convert_ocid(root: str, out: Optional[str] = None, period: int = 7,
                 min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for OCID."""
    out = out or root
    samples = assign_interleaved(list_ocid_samples(root), period)
    rule = f'OCID seq*/rgb: sorted paths, position i % {period} == {period - 1} -> test'
    return convert_samples(root, out, 'OCID', samples, load_label_instances,
                           [dict(id=1, name='object')], rule, min_area=min_area)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('OCID -> adapt/test jsons (6:1 interleaved)',
                         'the OCID-dataset folder (e.g. data/ocid)')
    parser.add_argument('--split', type=parse_ratio, default=7, metavar='N:1',
                        help='adapt:test ratio of the interleaved split (default 6:1)')
    args = parser.parse_args(argv)
    return run_cli(convert_ocid, root=args.root, out=args.out, period=args.split,
                   min_area=args.min_area)
