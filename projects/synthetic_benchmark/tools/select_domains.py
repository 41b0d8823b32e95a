"""Choose the benchmark's target domains and severities on principle, before any WeSAM run.

    python projects/synthetic_benchmark/tools/select_domains.py \
        [--domains ...] [--severities 1 2 3 4 5]
        [--source p4] [--work-dir work_dirs/select_domains_p4]

The rule, fixed before any adaptation method is run (all numbers on the VALIDATION split,
box prompts, the source model named by ``--source``):

1. For every target domain, measure Direct (the source model as it is) at each severity.
2. The domain's candidate severity is the MOST severe one with 50 <= Direct <= 80: the
   strongest shift whose pseudo labels are still usable.
3. Train the supervised upper bound (GT masks of the adapt split, the same low-rank
   parameters and schedule as the adaptation methods) at that severity; keep the domain
   if supervised >= Direct + 10, i.e. a shift exists that labels can fix.

Writes ``<work-dir>/selection.json`` (resumable: finished measurements of the same source
model are reused) and
prints a Markdown table.
"""
import argparse
import json
import os
import os.path as osp

from mmwesam.utils import setup_torch
from synthetic_benchmark.data import DOMAINS, generate_domain
from synthetic_benchmark.methods import (DEFAULT_SOURCE, DEMO_SPLITS, SOURCE_MODELS,
                                         candidate_severity)
from synthetic_benchmark.runs import run_method


def _fmt(value) -> str:
    return '-' if value is None else f'{value:.2f}'


def _ensure_split(data_root: str, domain: str, severity: int, split: str) -> str:
    """Generate one split of ``domain`` at ``severity`` (seeded: the same files always)."""
    name = f'{domain}_s{severity}'
    root = osp.join(data_root, name)
    if not osp.isfile(osp.join(root, 'annotations', f'instances_{split}.json')):
        generate_domain(data_root, domain, {split: DEMO_SPLITS[split]}, severity=severity,
                        subdir=name)
    return root + '/'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--domains', nargs='+',
                        default=[d for d, s in DOMAINS.items() if s.role == 'target'])
    parser.add_argument('--severities', nargs='+', type=int, default=[1, 2, 3, 4, 5])
    parser.add_argument('--data-root', default='data/synthetic_select')
    parser.add_argument('--work-dir', default=None,
                        help='default: work_dirs/select_domains_<source>')
    parser.add_argument('--iters', type=int, default=None)
    parser.add_argument('--source', default=DEFAULT_SOURCE, choices=sorted(SOURCE_MODELS),
                        help='source model (and its method configs), default %(default)s')
    parser.add_argument('--direct-range', nargs=2, type=float, default=(50, 80))
    parser.add_argument('--min-headroom', type=float, default=10)
    args = parser.parse_args()
    setup_torch()
    args.work_dir = args.work_dir or f'work_dirs/select_domains_{args.source}'
    os.makedirs(args.work_dir, exist_ok=True)
    out_file = osp.join(args.work_dir, 'selection.json')
    saved = json.load(open(out_file)) if osp.isfile(out_file) else {}
    if saved and 'domains' not in saved:  # written before --source existed: patch 8
        saved = dict(source='p8', domains=saved)
    # measurements of another source model must never be resumed into this one
    if saved and saved.get('source') != args.source:
        raise SystemExit(f'{out_file} holds measurements of source model '
                         f'{saved.get("source")!r}, not {args.source!r}: use another '
                         '--work-dir')
    rows = saved.get('domains', {})

    def save():
        with open(out_file, 'w') as f:
            json.dump(dict(source=args.source, domains=rows), f, indent=2)

    low, high = args.direct_range
    for domain in args.domains:
        row = rows.setdefault(domain, dict(direct={}, severity=None, supervised=None))
        for severity in args.severities:
            if str(severity) in row['direct']:
                continue
            root = _ensure_split(args.data_root, domain, severity, 'val')
            run = run_method('direct', root, osp.join(args.work_dir, f'{domain}_s{severity}',
                                                      'direct'), eval_split='val',
                             source=args.source)
            row['direct'][str(severity)] = run['mIoU']
            print(f'{domain} s{severity}: Direct {run["mIoU"]:.2f}', flush=True)
            save()
        severity = candidate_severity(row['direct'], low, high)
        if row['severity'] != severity:  # a resumed run with other levels: retrain
            row['supervised'] = None
        row['severity'] = severity
        if severity is not None and row['supervised'] is None:
            _ensure_split(args.data_root, domain, severity, 'adapt')
            root = _ensure_split(args.data_root, domain, severity, 'val')
            run = run_method('supervised', root,
                             osp.join(args.work_dir, f'{domain}_s{severity}', 'supervised'),
                             eval_split='val', iters=args.iters, source=args.source)
            row['supervised'] = run['mIoU']
        direct = row['direct'][str(severity)] if severity is not None else None
        row['kept'] = bool(row['supervised'] is not None and
                           row['supervised'] >= direct + args.min_headroom)
        print(f'{domain}: candidate severity {severity}, Direct {_fmt(direct)}, '
              f'supervised {_fmt(row["supervised"])}, kept={row["kept"]}', flush=True)
        save()
    levels = ' | '.join(f's{s}' for s in args.severities)
    print(f'\n| domain | Direct (val) {levels} | candidate | supervised (val) | kept |')
    print('|---|' + '---|' * len(args.severities) + '---|---|---|')
    for domain, row in rows.items():
        cells = ' | '.join(_fmt(row['direct'].get(str(s))) for s in args.severities)
        sev = row['severity']
        direct = row['direct'][str(sev)] if sev is not None else None
        sup = row['supervised']
        gain = None if direct is None or sup is None else sup - direct
        print(f'| {domain} | {cells} | {sev if sev else "-"} | {_fmt(sup)} ({_fmt(gain)}) | '
              f'{"yes" if row["kept"] else "no"} |')


if __name__ == '__main__':
    main()
