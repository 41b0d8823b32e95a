"""COD10K (v2 or v3) camouflaged objects: its test set, split 4:1 interleaved.

Layout (``root`` = data/cod10k, i.e. the COD10K-v3 folder)::

    Test/Image/<name>.jpg
    Test/GT_Object/<name>.png   binary (0/255) object masks

The paper adapts and tests on the official test set only, split 4:1 over the sorted
names; ``--subset Train`` converts the training set the same way.
"""
import os.path as osp
from typing import Optional, Sequence

from .common import (ConversionSummary, Sample, add_instance_mode, assign_interleaved, base_parser,
                     binary_mask_loader, convert_samples, list_files, parse_ratio, require_dir,
                     run_cli)


def convert_cod10k(root: str, out: Optional[str] = None, instances: str = 'value',
                   subset: str = 'Test', gt_dir: str = 'GT_Object', period: int = 5,
                   min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for COD10K."""
    out = out or root
    image_dir = require_dir(osp.join(root, subset, 'Image'), f'{subset}/Image')
    samples = assign_interleaved(
        [Sample(f'{subset}/Image/{name}',
                info=dict(mask=osp.join(root, subset, gt_dir,
                                        osp.splitext(name)[0] + '.png')))
         for name in list_files(image_dir, ('.jpg', '.jpeg', '.png'))], period)
    rule = (f'COD10K {subset}/Image: sorted names, position i % {period} == {period - 1} '
            '-> test')
    return convert_samples(root, out, 'COD10K', samples, binary_mask_loader(instances),
                           [dict(id=1, name='camouflaged_object')], rule, min_area=min_area)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('COD10K -> adapt/test jsons (test set, 4:1 interleaved)',
                         'the COD10K-v3 (or -v2) folder holding Test/ (e.g. data/cod10k)')
    add_instance_mode(parser)
    parser.add_argument('--subset', default='Test', help='Test (default) or Train')
    parser.add_argument('--gt-dir', default='GT_Object',
                        help='mask folder inside the subset (default GT_Object)')
    parser.add_argument('--split', type=parse_ratio, default=5, metavar='N:1',
                        help='adapt:test ratio of the interleaved split (default 4:1)')
    args = parser.parse_args(argv)
    return run_cli(convert_cod10k, root=args.root, out=args.out, instances=args.instances,
                   subset=args.subset, gt_dir=args.gt_dir, period=args.split,
                   min_area=args.min_area)
