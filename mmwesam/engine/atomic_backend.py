"""A local file backend whose writes are atomic, for checkpoints and ``last_checkpoint``.

MMEngine writes a checkpoint straight into its final path; a run killed during that write
leaves a truncated ``iter_N.pth`` (and ``last_checkpoint`` naming it) that ``--resume``
then fails on. This backend writes a temporary file in the same directory, flushes it to
disk and renames it over the target (``os.replace`` is atomic on POSIX and Windows): a
reader sees the old file or the whole new one, never a part. Selected in
``configs/_base_/default_runtime.py``:
``default_hooks.checkpoint.backend_args = dict(backend='atomic_local')``.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend, register_backend


def atomic_write(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` through a temporary file and a rename."""
    filepath = str(filepath)
    directory = osp.dirname(osp.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f'.{osp.basename(filepath)}.',
                                         suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        if osp.exists(temporary):
            os.remove(temporary)
        raise


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` with atomic ``put`` / ``put_text`` (see the module docstring)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(obj.encode(encoding), filepath)
