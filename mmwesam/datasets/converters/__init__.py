"""Converters of the paper's datasets to COCO instance jsons (see docs/en/datasets.md).

Each module has a ``convert_<name>(root, out=None, ...)`` function returning a
:class:`~.common.ConversionSummary` and a ``main(argv)`` used by
``tools/dataset_converters/<name>.py``.
"""
from .camo import convert_camo
from .chameleon import convert_chameleon
from .coco import convert_coco
from .coco_c import convert_coco_c
from .cod10k import convert_cod10k
from .common import ConversionError, ConversionSummary, mask_to_annotation
from .isic import convert_isic
from .kvasir import convert_kvasir
from .ocid import convert_ocid
from .osd import convert_osd
from .voc import convert_voc

__all__ = [
    'convert_camo', 'convert_chameleon', 'convert_coco', 'convert_coco_c',
    'convert_cod10k', 'convert_isic', 'convert_kvasir', 'convert_ocid', 'convert_osd',
    'convert_voc', 'ConversionError', 'ConversionSummary', 'mask_to_annotation'
]
