"""projects/synthetic_benchmark/tools/select_lr.py on recorded runs: the search, its table and JSON.

Every run the search can ask for is recorded beforehand (with the settings the tool
computes itself), so nothing trains: a run it tried to make would fail on the empty
data directory.
"""
import json
import os
import os.path as osp
import runpy
import sys

import numpy as np

from synthetic_benchmark.methods import PROJECT, kept_domains
from synthetic_benchmark.runs import RunRecord, run_key, run_settings
from synthetic_benchmark.search import configured_lr, lr_name

LADDER = ['1e-4', '3e-4', '1e-3', '3e-3', '1e-2']
PEAK = 3e-3  # the recorded validation mIoU of tent peaks here


def _score(lr: str, domain_index: int) -> float:
    return 60.0 + domain_index - abs(np.log10(float(lr) / PEAK))


def _record(out: str, lr: str, method: str, domains, score) -> None:
    record = RunRecord(osp.join(out, f'lr{lr}'))
    settings = run_settings(method, prompt='box', seed=0, lr=float(lr), eval_split='val',
                            source='p4')
    for index, domain in enumerate(domains):
        record.add(run_key(domain, 'box', method, 0), dict(mIoU=score(lr, index)),
                   settings)


def test_search_from_config_uses_every_recorded_lr(tmp_path, monkeypatch, capsys):
    domains = list(kept_domains('p4'))
    data, out = str(tmp_path / 'data'), str(tmp_path / 'out')
    for domain, severity in kept_domains('p4').items():  # ensure_domains finds them
        os.makedirs(osp.join(data, domain, 'annotations'))
        with open(osp.join(data, domain, 'annotations', 'instances_test.json'), 'w') as f:
            json.dump(dict(info=dict(severity=severity, seed=0)), f)
    start = lr_name(configured_lr('tent', 'p4'), LADDER)
    assert start != lr_name(PEAK, LADDER)  # the search has to walk
    for lr in LADDER:
        _record(out, lr, 'tent', domains, _score)
    # Direct only in a directory that is not the first lr tried: found, not rerun
    _record(out, '1e-2', 'direct', domains, lambda lr, index: 50.0 + index)

    monkeypatch.setattr(sys, 'argv', [
        'select_lr.py', '--source', 'p4', '--methods', 'tent', '--lrs', 'config',
        '--ladder', *LADDER, '--data-root', data, '--out', out])
    runpy.run_path(osp.join(PROJECT, 'tools', 'select_lr.py'),
                   run_name='__main__')
    assert 'chosen: tent=3e-3' in capsys.readouterr().out

    with open(osp.join(out, 'lr_search.json')) as f:
        summary = json.load(f)
    assert summary['direct'] == {d: 50.0 + i for i, d in enumerate(domains)}
    tent = summary['methods']['tent']
    assert tent['chosen'] == '3e-3'
    assert set(tent['scores']) == set(LADDER)  # every recorded lr is in the table
    assert tent['means']['1e-4'] == np.mean([_score('1e-4', i) for i in range(3)])
    with open(osp.join(out, 'lr_search.md')) as f:
        table = f.read()
    assert '| tent | **3e-3** |' in table and '| tent | 1e-2 |' in table


def _run_tool(monkeypatch, *args) -> None:
    monkeypatch.setattr(sys, 'argv', ['select_lr.py', *args])
    runpy.run_path(osp.join(PROJECT, 'tools', 'select_lr.py'),
                   run_name='__main__')


def test_a_later_search_keeps_the_other_methods(tmp_path, monkeypatch, capsys):
    """Searching one method into a directory keeps what an earlier search there chose for
    the others (same settings); a search with other domains replaces the file."""
    domains = list(kept_domains('p4'))
    data, out = str(tmp_path / 'data'), str(tmp_path / 'out')
    for domain, severity in kept_domains('p4').items():
        os.makedirs(osp.join(data, domain, 'annotations'))
        with open(osp.join(data, domain, 'annotations', 'instances_test.json'), 'w') as f:
            json.dump(dict(info=dict(severity=severity, seed=0)), f)
    for lr in LADDER:
        _record(out, lr, 'tent', domains, _score)
        _record(out, lr, 'selftrain_only', domains, lambda lr, i: 70.0 - float(lr) * 100)
    _record(out, '1e-3', 'direct', domains, lambda lr, index: 50.0 + index)
    common = ['--source', 'p4', '--lrs', '1e-3', '--ladder', *LADDER, '--data-root', data,
              '--out', out]
    _run_tool(monkeypatch, '--methods', 'tent', *common)
    _run_tool(monkeypatch, '--methods', 'selftrain_only', *common)
    assert 'kept from the earlier search' in capsys.readouterr().out
    with open(osp.join(out, 'lr_search.json')) as f:
        summary = json.load(f)
    assert list(summary['methods']) == ['tent', 'selftrain_only']
    assert summary['methods']['tent']['chosen'] == '3e-3'
    assert summary['methods']['selftrain_only']['chosen'] == '1e-4'  # highest at the edge
    with open(osp.join(out, 'lr_search.md')) as f:
        table = f.read()
    assert '| tent | **3e-3** |' in table and '| selftrain_only | **1e-4** |' in table
    # another domain set: the earlier methods' means would not compare, so they go
    _run_tool(monkeypatch, '--methods', 'selftrain_only', '--domains', domains[0], *common)
    with open(osp.join(out, 'lr_search.json')) as f:
        assert list(json.load(f)['methods']) == ['selftrain_only']
