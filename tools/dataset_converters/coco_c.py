"""Convert COCO-C: the 15 corruptions of COCO val2017, COCO's split to COCO instance jsons.

    python tools/dataset_converters/coco_c.py data/coco --out data/coco-c --severities 5 --workers 2

See docs/datasets.md for the expected layout and the options (``--help``).
"""
import os.path as osp
import sys

try:
    import mmwesam  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmwesam.datasets.converters.coco_c import main  # noqa: E402

if __name__ == '__main__':
    main()
