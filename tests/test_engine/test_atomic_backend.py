"""Checkpoint writes are atomic: a complete new file or the old one, never a part."""
import os

import pytest
from mmengine.fileio import get_file_backend

from mmwesam.engine import AtomicLocalBackend, atomic_write


def test_writes_replace_the_file_and_leave_no_temporary(tmp_path):
    target = tmp_path / 'sub' / 'iter_2.pth'
    backend = get_file_backend(str(target), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'first', target)
    backend.put(b'second', target)
    assert target.read_bytes() == b'second'
    backend.put_text('iter_2.pth', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'last_checkpoint').read_text() == 'iter_2.pth'
    assert sorted(os.listdir(tmp_path / 'sub')) == ['iter_2.pth']


def test_an_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / 'iter_4.pth'
    target.write_bytes(b'the good checkpoint')
    real_fdopen = os.fdopen

    def failing_fdopen(handle, mode):
        file = real_fdopen(handle, mode)

        class Half:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                file.close()

            def write(self, data):
                file.write(data[:len(data) // 2])
                raise KeyboardInterrupt  # the process is stopped mid-write

            def __getattr__(self, name):
                return getattr(file, name)
        return Half()
    monkeypatch.setattr(os, 'fdopen', failing_fdopen)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(b'a new checkpoint that is much longer', target)
    assert target.read_bytes() == b'the good checkpoint'
    assert os.listdir(tmp_path) == ['iter_4.pth']
