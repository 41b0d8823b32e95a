"""ISIC 2016 skin lesions (part 1, segmentation): the official training and test sets.

Layout (``root`` = data/isic, the unzipped challenge files side by side)::

    ISBI2016_ISIC_Part1_Training_Data/ISIC_<id>.jpg
    ISBI2016_ISIC_Part1_Training_GroundTruth/ISIC_<id>_Segmentation.png   (0/255)
    ISBI2016_ISIC_Part1_Test_Data/ISIC_<id>.jpg
    ISBI2016_ISIC_Part1_Test_GroundTruth/ISIC_<id>_Segmentation.png
    ISBI2016_ISIC_Part1_{Training,Test}_GroundTruth.csv   (optional image lists)

Training -> adapt, Test -> test. Where a csv list exists, its image ids (first column,
``ISIC_<digits>``) are the images of that set; otherwise every ``*.jpg`` of the Data
folder is.
"""
import csv
import os.path as osp
import re
from typing import List, Optional, Sequence

from .common import (ConversionError, ConversionSummary, Sample, add_instance_mode, base_parser,
                     binary_mask_loader, convert_samples, list_files, require_dir, run_cli)

PREFIX = 'ISBI2016_ISIC_Part1'
SETS = (('Training', 'adapt'), ('Test', 'test'))
_ID = re.compile(r'^ISIC_\d+$')


def read_id_list(path: str) -> List[str]:
    """Image ids of an ISIC csv list (first column; a header row is skipped)."""
    try:
        with open(path, newline='') as f:
            rows = [row for row in csv.reader(f) if row]
    except OSError as err:
        raise ConversionError(f'cannot read {path}: {err}') from err
    ids = [osp.splitext(row[0].strip())[0] for row in rows]
    if ids and not _ID.match(ids[0]):
        ids = ids[1:]  # a header
    bad = [i for i in ids if not _ID.match(i)]
    if bad:
        raise ConversionError(f'{path}: {bad[0]!r} is not an ISIC image id')
    return ids


def list_isic_samples(root: str) -> List[Sample]:
    samples = []
    for official, split in SETS:
        data_dir = require_dir(osp.join(root, f'{PREFIX}_{official}_Data'), f'{official} data')
        gt_dir = osp.join(root, f'{PREFIX}_{official}_GroundTruth')
        csv_path = osp.join(root, f'{PREFIX}_{official}_GroundTruth.csv')
        if osp.isfile(csv_path):
            ids = read_id_list(csv_path)
        else:
            ids = [osp.splitext(f)[0] for f in list_files(data_dir, ('.jpg', ))]
        for image_id in ids:
            samples.append(Sample(
                f'{PREFIX}_{official}_Data/{image_id}.jpg', split,
                dict(mask=osp.join(gt_dir, f'{image_id}_Segmentation.png'))))
    return samples


def convert_isic(root: str, out: Optional[str] = None, instances: str = 'value',
                 min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for ISIC 2016."""
    out = out or root
    rule = 'ISIC 2016 official split: Training -> adapt, Test -> test'
    return convert_samples(root, out, 'ISIC 2016', list_isic_samples(root),
                           binary_mask_loader(instances), [dict(id=1, name='lesion')], rule,
                           min_area=min_area)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('ISIC 2016 part 1 -> adapt/test jsons (official split)',
                         f'folder holding the {PREFIX}_* folders (e.g. data/isic)')
    add_instance_mode(parser)
    args = parser.parse_args(argv)
    return run_cli(convert_isic, root=args.root, out=args.out, instances=args.instances,
                   min_area=args.min_area)
