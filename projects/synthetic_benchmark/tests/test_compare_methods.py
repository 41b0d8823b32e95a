"""projects/synthetic_benchmark/tools/compare_methods.py on recorded runs: paired method-vs-method
intervals per domain and seed, and all domains pooled."""
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from synthetic_benchmark.methods import PROJECT
from synthetic_benchmark.runs import run_key
from synthetic_benchmark.stats import compare_recorded, t_interval

DOMAINS = ['low_contrast', 'camouflage']
SEEDS = [0, 1]


def _per_image(path, values):
    with open(path, 'w') as f:
        json.dump([dict(img_id=i, iou=float(v)) for i, v in enumerate(values)], f)
    return str(path)


def _runs(tmp_path, shift):
    """runs.json-like records: method a = b + shift[domain][seed] + noise, per image."""
    rng = np.random.default_rng(0)
    runs, diffs = {}, {}
    for d, domain in enumerate(DOMAINS):
        for seed in SEEDS:
            base = rng.uniform(0.3, 0.8, 40)
            diff = rng.normal(shift[domain][seed], 0.002, 40)
            diffs[domain, seed] = diff * 100
            for method, values in (('a', base + diff), ('b', base)):
                key = run_key(domain, 'point', method, seed)
                runs[key] = dict(per_image=_per_image(tmp_path / f'{d}{seed}{method}.json',
                                                      values))
    return runs, diffs


def test_compare_recorded_pairs_images_per_domain_seed_and_pooled(tmp_path):
    shift = {'low_contrast': {0: -0.004, 1: -0.006}, 'camouflage': {0: 0.02, 1: 0.01}}
    runs, diffs = _runs(tmp_path, shift)
    table = compare_recorded(runs, 'a', 'b', 'point', DOMAINS, SEEDS)
    assert list(table) == DOMAINS + ['all domains']
    for domain in DOMAINS:
        for seed in SEEDS:
            cell = table[domain][f'seed{seed}']
            assert cell == pytest.approx(t_interval(diffs[domain, seed]))
            assert cell['n'] == 40
    for seed in SEEDS:
        pooled = np.concatenate([diffs[d, seed] for d in DOMAINS])
        assert table['all domains'][f'seed{seed}'] == pytest.approx(t_interval(pooled))
        assert table['all domains'][f'seed{seed}']['n'] == 80
    # a small but consistent loss is told apart from zero, a gain from a loss
    assert table['low_contrast']['seed0']['high'] < 0
    assert table['camouflage']['seed1']['low'] > 0
    # a run that was never recorded is named
    with pytest.raises(KeyError, match='low_contrast/point/c/seed0'):
        compare_recorded(runs, 'c', 'b', 'point', DOMAINS, SEEDS)


def test_compare_methods_tool_prints_and_writes(tmp_path, monkeypatch, capsys):
    shift = {'low_contrast': {0: 0.03, 1: 0.05}, 'camouflage': {0: -0.01, 1: 0.0}}
    runs, diffs = _runs(tmp_path, shift)
    out = tmp_path / 'bench'
    out.mkdir()
    with open(out / 'runs.json', 'w') as f:
        json.dump(runs, f)
    script = osp.join(PROJECT, 'tools', 'compare_methods.py')
    monkeypatch.setattr(sys, 'argv', [script, str(out), 'a', 'b', '--prompt', 'point',
                                      '--domains', *DOMAINS, '--json',
                                      str(tmp_path / 'cmp.json')])
    runpy.run_path(script, run_name='__main__')
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == '| a - b | seed 0 | seed 1 | mean over seeds |'
    row = next(line for line in lines if line.startswith('| low_contrast |'))
    mean = np.mean([diffs['low_contrast', s].mean() for s in SEEDS])
    assert row.endswith(f'| {mean:+.2f} |')
    with open(tmp_path / 'cmp.json') as f:
        saved = json.load(f)
    assert saved['intervals']['camouflage']['seed0']['mean'] == pytest.approx(
        diffs['camouflage', 0].mean())
    # no run records: a clear stop naming the file
    monkeypatch.setattr(sys, 'argv', [script, str(tmp_path / 'none'), 'a', 'b'])
    with pytest.raises(SystemExit, match='runs.json does not exist'):
        runpy.run_path(script, run_name='__main__')


def test_compare_methods_reads_method_b_from_another_record(tmp_path, monkeypatch, capsys):
    """The same method in two output directories (e.g. bf16 against fp32): a's runs are
    the first record's 'a', b's the second record's 'a'."""
    shift = {'low_contrast': {0: 0.02, 1: 0.04}, 'camouflage': {0: -0.03, 1: 0.01}}
    runs, diffs = _runs(tmp_path, shift)
    first, second = tmp_path / 'bf16', tmp_path / 'fp32'
    for out, method in ((first, 'a'), (second, 'b')):
        out.mkdir()
        renamed = {key.replace(f'/{method}/', '/a/'): run for key, run in runs.items()
                   if f'/{method}/' in key}
        with open(out / 'runs.json', 'w') as f:
            json.dump(renamed, f)
    script = osp.join(PROJECT, 'tools', 'compare_methods.py')
    monkeypatch.setattr(sys, 'argv', [script, str(first), 'a', 'a', '--out-b', str(second),
                                      '--prompt', 'point', '--domains', *DOMAINS, '--json',
                                      str(tmp_path / 'cmp.json')])
    runpy.run_path(script, run_name='__main__')
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith('| camouflage |'))
    assert row.endswith(f'| {np.mean([diffs["camouflage", s].mean() for s in SEEDS]):+.2f} |')
    with open(tmp_path / 'cmp.json') as f:
        saved = json.load(f)
    assert saved['runs_b'] == str(second / 'runs.json')
    assert saved['intervals']['low_contrast']['seed1'] == pytest.approx(
        t_interval(diffs['low_contrast', 1]))
