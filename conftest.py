"""Shared fixtures of tests/ and projects/*/tests: registered modules, one torch thread, a
tiny official checkpoint; tests/ (its helpers) on the path."""
import os
import sys

import pytest
import torch

REPO = os.path.dirname(os.path.abspath(__file__))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'tests'))


@pytest.fixture(scope='session', autouse=True)
def _registered():
    """mmwesam's registries, and torch on one thread.

    The tiny models of the tests gain nothing from a second thread, and on a loaded
    2-core machine two OpenMP threads waiting on each other made single decoder calls
    50x slower (1.6 s instead of 0.03 s). Tests of big models ask for more threads
    with ``helpers.torch_threads``.
    """
    from mmwesam.utils import register_all_modules
    register_all_modules()
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope='session')
def checkpoint(tmp_path_factory):
    """A randomly initialised tiny SAM saved in the official segment_anything layout."""
    from helpers import write_tiny_checkpoint
    return write_tiny_checkpoint(tmp_path_factory.mktemp('ckpt') / 'sam_tiny_official.pth')
