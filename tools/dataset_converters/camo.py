"""Convert CAMO (official split) to COCO instance jsons.

    python tools/dataset_converters/camo.py data/camo

See docs/datasets.md for the expected layout and the options (``--help``).
"""
import os.path as osp
import sys

try:
    import mmwesam  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmwesam.datasets.converters.camo import main  # noqa: E402

if __name__ == '__main__':
    main()
