"""OSD (Object Segmentation Database): table-top scenes, split 6:1 interleaved.

Layout (``root`` = data/osd, the OSD-0.2-depth folder)::

    image_color/<name>.png
    annotation/<name>.png     label map: 0 background, every other value one object
"""
import os.path as osp
from typing import Optional, Sequence

from .common import (ConversionSummary, Sample, assign_interleaved, base_parser, convert_samples,
                     list_files, parse_ratio, require_dir, run_cli)
from .ocid import load_label_instances


def convert_osd(root: str, out: Optional[str] = None, period: int = 7,
                min_area: int = 1) -> ConversionSummary:
    """Write ``<out>/annotations/instances_{adapt,test}.json`` for OSD."""
    out = out or root
    image_dir = require_dir(osp.join(root, 'image_color'), 'image_color')
    samples = assign_interleaved(
        [Sample(f'image_color/{name}',
                info=dict(mask=osp.join(root, 'annotation', osp.splitext(name)[0] + '.png'),
                          ignore=(0, )))
         for name in list_files(image_dir, ('.png', '.jpg'))], period)
    rule = f'OSD image_color: sorted names, position i % {period} == {period - 1} -> test'
    return convert_samples(root, out, 'OSD', samples, load_label_instances,
                           [dict(id=1, name='object')], rule, min_area=min_area)


def main(argv: Optional[Sequence[str]] = None) -> ConversionSummary:
    parser = base_parser('OSD -> adapt/test jsons (6:1 interleaved)',
                         'the OSD folder holding image_color/ and annotation/ '
                         '(e.g. data/osd)')
    parser.add_argument('--split', type=parse_ratio, default=7, metavar='N:1',
                        help='adapt:test ratio of the interleaved split (default 6:1)')
    args = parser.parse_args(argv)
    return run_cli(convert_osd, root=args.root, out=args.out, period=args.split,
                   min_area=args.min_area)
