"""CAMO camouflaged objects (CAMO-V.1.0-CVIU2019): the official training and test sets.

Layout (``root`` = data/camo)::

    Images/Train/<name>.jpg
    Images/Test/<name>.jpg
    GT/<name>.png            binary (0/255) masks of both sets

Train -> adapt, Test -> test.
"""
import os.path as osp
from typing import List, Optional, Sequence

from .common import (ConversionSummary, Sample, add_instance_mode, base_parser, binary_mask_loader,
                     convert_samples, list_files, require_dir, run_cli)

SETS = (('Train', 'adapt'), ('Test', 'test'))


def list_camo_samples(root: str, gt_dir: str = 'GT') -> List[Sample]:
    samples = []
    for official, split in SETS:
        folder = require_dir(osp.join(root, 'Images', official), f'Images/{official}')
        for name in list_files(folder, ('.jpg', '.jpeg', '.png')):
            mask = osp.join(root, gt_dir, osp.splitext(name)[0] + '.png')
            samples.append(Sample(f'Images/{official}/{name}', split, dict(mask=mask)))
    return samples


def convert_camo(root: str, out: Optional[str] = None, instances: str = 'value',
                 gt_dir: str = 'GT', min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for CAMO."""
    out = out or root
    rule = 'CAMO official split: Images/Train -> adapt, Images/Test -> test'
    return convert_samples(root, out, 'CAMO', list_camo_samples(root, gt_dir),
                           binary_mask_loader(instances),
                           [dict(id=1, name='camouflaged_object')], rule, min_area=min_area)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('CAMO -> adapt/test jsons (official split)',
                         'the CAMO folder holding Images/{Train,Test} and GT (e.g. data/camo)')
    add_instance_mode(parser)
    parser.add_argument('--gt-dir', default='GT', help='mask folder relative to the root')
    args = parser.parse_args(argv)
    return run_cli(convert_camo, root=args.root, out=args.out, instances=args.instances,
                   gt_dir=args.gt_dir, min_area=args.min_area)
