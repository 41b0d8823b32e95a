"""The demo: generate the kept domains, Direct vs WeSAM on each, table, chart, overlays."""
import json
import os
import os.path as osp
import time
from typing import Dict, Optional, Sequence

import numpy as np

from . import methods
from .methods import DEFAULT_SOURCE, domain_severities, kept_domains, source_checkpoint_of
from .report import bar_chart, draw_overlays, format_table
from .runs import RunRecord, run_key, run_method, run_settings


def ensure_domains(data_root: str, domains: Dict[str, int], splits: Dict[str, int],
                   seed: int = 0) -> None:
    """Generate the domains that are not there yet (seeded; the same files every time)."""
    from .data import DOMAINS, generate_domain
    for domain, severity in domains.items():
        if severity is None:
            severity = DOMAINS[domain].default_severity
        ann = osp.join(data_root, domain, 'annotations', 'instances_test.json')
        if osp.isfile(ann):
            with open(ann) as f:
                info = json.load(f).get('info', {})
            if info.get('severity', severity) == severity and info.get('seed', seed) == seed:
                continue
            # data of another severity or seed from an earlier version: never reuse it
            print(f'[data] {ann} has severity {info.get("severity")}, seed '
                  f'{info.get("seed")}; regenerating with {severity}, {seed}', flush=True)
        print(f'[data] generating {domain} (severity {severity}) in {data_root}', flush=True)
        generate_domain(data_root, domain, splits, seed=seed, severity=severity)


def run_demo(work_dir: str = 'work_dirs/demo', data_root: str = 'data/synthetic_demo',
             domains: Optional[Sequence[str]] = None, iters: Optional[int] = None,
             source: str = DEFAULT_SOURCE) -> dict:
    """Generate the kept domains, Direct vs WeSAM (box prompts) on each, and report."""
    from mmwesam.utils import setup_torch
    setup_torch()
    checkpoint = source_checkpoint_of(source)
    if not osp.isfile(checkpoint):
        raise SystemExit(f'mmwesam demo: the source model {checkpoint} is missing '
                         '(projects/synthetic_benchmark/README.md, "Source model", says how '
                         'it is made)')
    chosen = domain_severities(domains, source)
    kept = kept_domains(source)
    if not chosen:
        raise SystemExit('mmwesam demo: no target domain selected')
    os.makedirs(work_dir, exist_ok=True)
    ensure_domains(data_root, chosen, methods.DEMO_SPLITS)
    results: Dict[str, Dict[str, float]] = {}
    record = RunRecord(work_dir)
    start = time.time()
    for index, domain in enumerate(chosen, 1):
        root = osp.join(data_root, domain) + '/'
        row = {}
        models = {}
        for method in ('direct', 'wesam'):
            key = run_key(domain, 'box', method)
            run = run_method(method, root, osp.join(work_dir, key), iters=iters,
                             source=source)
            record.add(key, run, run_settings(method, iters=iters, source=source))
            row[method] = run['mIoU']
            models[method] = getattr(run['model'], 'teacher', run['model'])
            print(f'[{index}/{len(chosen)}] {domain:>13s} {method:>7s}: mIoU {run["mIoU"]:.2f}'
                  f'  ({run["seconds"]:.0f}s, total {time.time() - start:.0f}s)', flush=True)
        results[domain] = row
        draw_overlays(models, root, osp.join(work_dir, f'overlays_{domain}.png'))
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)  # {domain: {method: mIoU}}
    with open(osp.join(work_dir, 'domains.json'), 'w') as f:
        json.dump({d: dict(severity=chosen[d], kept=d in kept) for d in results},
                  f, indent=2)
    bar_chart(results, ['direct', 'wesam'], osp.join(work_dir, 'results.png'))
    table = format_table(results, ['direct', 'wesam'], kept)
    gains = [row['wesam'] - row['direct'] for row in results.values()]
    kept_gains = [row['wesam'] - row['direct'] for d, row in results.items() if d in kept]
    print(f'\nDirect vs WeSAM (box prompts, source model {source}, mIoU % on each '
          'domain\'s test split)\n' + table)
    print(f'\nmean gain {np.mean(gains):+.2f} mIoU over all shown domains, '
          f'{np.mean(kept_gains) if kept_gains else float("nan"):+.2f} over the kept ones '
          f'({", ".join(kept)}; source model {source}); results in {work_dir}/results.json, '
          f'chart {work_dir}/results.png, overlays {work_dir}/overlays_*.png '
          f'({time.time() - start:.0f}s)')
    return results
