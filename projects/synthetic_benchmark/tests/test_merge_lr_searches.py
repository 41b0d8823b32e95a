"""projects/synthetic_benchmark/tools/merge_lr_searches.py: select_lr records of several
seeds merged into seed means (the two-seed choices of the loss-weight searches)."""
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from synthetic_benchmark.methods import PROJECT
from synthetic_benchmark.search import format_merged_searches, merge_lr_searches

DOMAINS = ['low_contrast', 'medical']
DIRECT = {'low_contrast': 63.0, 'medical': 54.0}


def _search(seed_, methods, **changes):
    """An lr_search.json record: methods = {method: {lr: [mIoU per domain]}}."""
    record = dict(source='p4', prompt='point', seed=seed_, domains=DOMAINS, direct=DIRECT,
                  methods={m: dict(scores={lr: dict(zip(DOMAINS, v)) for lr, v in lrs.items()},
                                   means={}, chosen=None) for m, lrs in methods.items()})
    record.update(changes)
    return record


def test_merge_gives_seed_means_and_skips_incomplete_cells():
    merged = merge_lr_searches([
        _search(0, {'a': {'1e-3': [70.0, 60.0], '1e-2': [10.0, 20.0]}}),
        _search(1, {'a': {'1e-3': [66.0, 56.0]}, 'b': {'1e-3': [50.0, 52.0]}})])
    assert merged['seeds'] == [0, 1] and merged['split'] == 'val'
    cell = merged['methods']['a']['1e-3']
    assert cell['mean_seed0'] == pytest.approx(65.0) and cell['mean_seed1'] == 61.0
    assert cell['domains_mean'] == {'low_contrast': 68.0, 'medical': 58.0}
    assert cell['mean'] == pytest.approx(63.0)
    # a cell one seed lacks keeps its seed but gets no mean
    assert merged['methods']['a']['1e-2']['mean_seed0'] == 15.0
    assert 'mean' not in merged['methods']['a']['1e-2']
    assert 'mean' not in merged['methods']['b']['1e-3']
    table = format_merged_searches(merged)
    assert '| a | 1e-3 | 68.00 | 58.00 | 65.00 | 61.00 | **63.00** |' in table
    assert '| a | 1e-2 | - | - | 15.00 | - | - |' in table
    assert '| Direct | - | 63.00 | 54.00 | 58.50 | 58.50 | 58.50 |' in table


@pytest.mark.parametrize('change,message', [
    (dict(prompt='box'), "'prompt' differs"),
    (dict(direct={'low_contrast': 1.0, 'medical': 2.0}), "'direct' differs"),
    (dict(seed=0), 'seed 0 appears twice')])
def test_merge_refuses_searches_that_are_not_seeds_of_one_search(change, message):
    with pytest.raises(ValueError, match=message):
        merge_lr_searches([_search(0, {'a': {'1e-3': [1.0, 2.0]}}),
                           _search(1, {'a': {'1e-3': [1.0, 2.0]}}, **change)])


def test_cli_writes_the_merged_record(tmp_path, monkeypatch, capsys):
    dirs = []
    for seed in (0, 1):
        directory = tmp_path / f's{seed}'
        directory.mkdir()
        scores = np.array([70.0, 60.0]) - 4 * seed
        with open(directory / 'lr_search.json', 'w') as f:
            json.dump(_search(seed, {'a': {'1e-3': scores.tolist()}}), f)
        dirs.append(str(directory))
    out = tmp_path / 'merged.json'
    monkeypatch.setattr(sys, 'argv', ['merge_lr_searches.py', *dirs, '--json', str(out)])
    runpy.run_path(osp.join(PROJECT, 'tools', 'merge_lr_searches.py'),
                   run_name='__main__')
    merged = json.loads(out.read_text())
    assert merged['methods']['a']['1e-3']['mean'] == pytest.approx(63.0)
    assert merged['searches'][1].endswith(osp.join('s1', 'lr_search.json'))
    assert '**63.00**' in capsys.readouterr().out
    monkeypatch.setattr(sys, 'argv', ['merge_lr_searches.py', str(tmp_path / 'none')])
    with pytest.raises(SystemExit, match='lr_search.json does not exist'):
        runpy.run_path(osp.join(PROJECT, 'tools', 'merge_lr_searches.py'),
                       run_name='__main__')
