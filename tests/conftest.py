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
