"""Console entry points: ``mmwesam-train`` / ``mmwesam-test`` run the packaged
``tools/train.py`` / ``tools/test.py`` (same arguments), from any directory."""
import os.path as osp
import runpy
import sys

from mmwesam.utils.package_files import package_root


def _run_tool(relative: str) -> None:
    root = package_root()
    if root is None:
        sys.exit('mmwesam: the packaged tools are missing (reinstall with `pip install .`)')
    tool = osp.join(root, 'tools', relative)
    sys.argv[0] = tool
    runpy.run_path(tool, run_name='__main__')


def train() -> None:
    """``mmwesam-train CONFIG [options]``: tools/train.py."""
    _run_tool('train.py')


def test() -> None:
    """``mmwesam-test CONFIG CHECKPOINT [options]``: tools/test.py."""
    _run_tool('test.py')
