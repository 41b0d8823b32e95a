"""CHAMELEON camouflaged animals (76 images): a test-only set by default.

Layout (``root`` = data/chameleon)::

    Image/<name>.jpg
    GT/<name>.png      binary (0/255) masks

By default every image goes to the test json and the adapt json is written empty (the
set is a test benchmark; adapt on another camouflage set, e.g. COD10K's). ``--split 4:1``
splits it interleaved like COD10K instead, to adapt on CHAMELEON itself.
"""
import os.path as osp
from typing import Optional, Sequence

from .common import (ConversionSummary, Sample, add_instance_mode, assign_interleaved, base_parser,
                     binary_mask_loader, convert_samples, list_files, parse_ratio, require_dir,
                     run_cli)


def convert_chameleon(root: str, out: Optional[str] = None, instances: str = 'value',
                      period: Optional[int] = None, image_dir: str = 'Image',
                      gt_dir: str = 'GT', min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for CHAMELEON.

    Args:
        period: None (default): all images are test; N + 1 for an N:1 interleaved split.
    """
    out = out or root
    folder = require_dir(osp.join(root, image_dir), image_dir)
    samples = [Sample(f'{image_dir}/{name}', 'test',
                      dict(mask=osp.join(root, gt_dir, osp.splitext(name)[0] + '.png')))
               for name in list_files(folder, ('.jpg', '.jpeg', '.png'))]
    if period:
        samples = assign_interleaved(samples, period)
        rule = f'CHAMELEON: sorted names, position i % {period} == {period - 1} -> test'
        notes = []
    else:
        rule = 'CHAMELEON: every image is test'
        notes = ['every image is in the test json, the adapt json is empty '
                 '(use --split 4:1 to adapt on CHAMELEON itself)']
    return convert_samples(root, out, 'CHAMELEON', samples, binary_mask_loader(instances),
                           [dict(id=1, name='camouflaged_object')], rule,
                           min_area=min_area, notes=notes)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('CHAMELEON -> adapt/test jsons (all test by default)',
                         'the CHAMELEON folder holding Image/ and GT/ (e.g. data/chameleon)')
    add_instance_mode(parser)
    parser.add_argument('--split', type=parse_ratio, default=None, metavar='N:1',
                        help='split interleaved N:1 (e.g. 4:1) instead of all test')
    parser.add_argument('--image-dir', default='Image', help='relative to the root')
    parser.add_argument('--gt-dir', default='GT', help='relative to the root')
    args = parser.parse_args(argv)
    return run_cli(convert_chameleon, root=args.root, out=args.out,
                   instances=args.instances, period=args.split, image_dir=args.image_dir,
                   gt_dir=args.gt_dir, min_area=args.min_area)
