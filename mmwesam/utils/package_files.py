"""Find the configs, tools and shipped checkpoints of an installed mmwesam.

``pip install .`` copies ``configs/``, ``tools/`` and the shipped tiny checkpoint into
``mmwesam/.mim/`` (as mmdet does), so the tools work from any directory; an editable
install links them there, and a bare checkout has them at the repository root.
"""
import os.path as osp
from typing import List, Optional

PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))
SCOPE = 'mmwesam::'


def package_root() -> Optional[str]:
    """The folder holding ``configs/`` and ``tools/``: the checkout's root for a source
    checkout (editable install), else ``mmwesam/.mim``; None if neither has them."""
    checkout = osp.dirname(PACKAGE)
    # a checkout's own files first: a build may have left stale copies in .mim
    roots = [checkout] if osp.isfile(osp.join(checkout, 'setup.py')) else []
    for root in roots + [osp.join(PACKAGE, '.mim')]:
        if osp.isdir(osp.join(root, 'configs')) and osp.isdir(osp.join(root, 'tools')):
            return root
    return None


def _candidates(path: str, folder: str) -> List[str]:
    root = package_root()
    if root is None:
        return []
    relative = path[len(SCOPE):] if path.startswith(SCOPE) else path
    relative = osp.normpath(relative)
    if relative.startswith(folder + osp.sep):
        relative = relative[len(folder) + 1:]
    return [osp.join(root, folder, relative)]


def resolve_config(path: str) -> str:
    """``path`` if it is a file; else the packaged config it names
    (``configs/wesam/x.py``, ``wesam/x.py`` or ``mmwesam::wesam/x.py``).

    Raises:
        FileNotFoundError: naming every place that was looked in.
    """
    if not path.startswith(SCOPE) and osp.isfile(path):
        return path
    tried = [path] + _candidates(path, 'configs')
    for candidate in tried[1:]:
        if osp.isfile(candidate):
            return candidate
    raise FileNotFoundError(f'config {path!r} not found (looked in: {", ".join(tried)})')


def resolve_shipped_checkpoint(path: str) -> str:
    """``path`` if it exists; else the copy under the package's ``checkpoints/`` that
    ``pip install .`` ships (the tiny source SAM), if there is one; else ``path``."""
    if osp.isabs(path) or osp.exists(path) or path.startswith(('http://', 'https://')):
        return path
    for candidate in _candidates(path, 'checkpoints'):
        if osp.isfile(candidate):
            return candidate
    return path
