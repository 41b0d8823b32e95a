"""Shared fixtures: tiny SAMs, official-layout checkpoints, small COCO-json datasets."""
import os
import sys

import pytest
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'tests'))


@pytest.fixture(scope='session', autouse=True)
def _registered():
    from mmwesam.utils import register_all_modules
    register_all_modules()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope='module')
def one_thread():
    """Torch on one thread for a module of tiny-model tests, then back.

    The models of the unit tests are so small that a second thread gains nothing, and
    on a loaded 2-core machine two OpenMP threads waiting on each other made single
    decoder calls 50x slower (1.6 s instead of 0.03 s). Use with
    ``pytestmark = pytest.mark.usefixtures('one_thread')``.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
