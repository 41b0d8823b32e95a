"""Choose the benchmark's target domains on principle, before any WeSAM run.

    python tools/analysis_tools/select_domains.py [--domains ...] [--severities 2 3 4]

For each candidate (domain, severity) it measures, on the VALIDATION split, Direct (the
source model as it is) and the supervised upper bound (fine-tuned with GT masks of the
adapt split), and keeps the domains where 50 <= Direct <= 80 and
supervised >= Direct + 10, i.e. where a shift exists that labels can fix. Writes
work_dirs/select_domains/selection.json and prints a table.
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmwesam.apis.benchmark import DEMO_SPLITS, run_method  # noqa: E402
from mmwesam.datasets.synthetic import DOMAINS, generate_domain  # noqa: E402
from mmwesam.utils import setup_torch  # noqa: E402


def _fmt(value) -> str:
    return '-' if value is None else f'{value:.2f}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--domains', nargs='+',
                        default=[d for d, s in DOMAINS.items() if s.role == 'target'])
    parser.add_argument('--severities', nargs='+', type=int, default=None,
                        help='severities to try (default: each domain\'s default)')
    parser.add_argument('--data-root', default='data/synthetic_select')
    parser.add_argument('--work-dir', default='work_dirs/select_domains')
    parser.add_argument('--iters', type=int, default=None)
    parser.add_argument('--direct-range', nargs=2, type=float, default=(50, 80))
    parser.add_argument('--min-headroom', type=float, default=10)
    args = parser.parse_args()
    setup_torch()
    os.makedirs(args.work_dir, exist_ok=True)
    out_file = osp.join(args.work_dir, 'selection.json')
    rows = json.load(open(out_file)) if osp.isfile(out_file) else {}
    for domain in args.domains:
        for severity in args.severities or [None]:
            name = domain if severity is None else f'{domain}_s{severity}'
            if name in rows:
                continue
            root = osp.join(args.data_root, name)
            if not osp.isfile(osp.join(root, 'annotations', 'instances_val.json')):
                generate_domain(args.data_root, domain, DEMO_SPLITS, severity=severity,
                                subdir=name)
            row = dict(domain=domain, severity=severity)
            low, high = args.direct_range
            for method in ('direct', 'supervised'):
                if method == 'supervised' and not low <= row['direct'] <= high:
                    row[method] = None  # excluded by Direct alone: no need to train
                    continue
                run = run_method(method, root + '/', osp.join(args.work_dir, name, method),
                                 eval_split='val', iters=args.iters)
                row[method] = run['mIoU']
            row['kept'] = bool(row['supervised'] is not None and
                               row['supervised'] >= row['direct'] + args.min_headroom)
            rows[name] = row
            print(f'{name:>18s}: Direct {row["direct"]:.2f}  supervised '
                  f'{_fmt(row["supervised"])}  kept={row["kept"]}', flush=True)
            with open(out_file, 'w') as f:
                json.dump(rows, f, indent=2)
    print('\n| domain | severity | Direct (val) | supervised (val) | kept |\n|---|---|---|---|---|')
    for name, row in rows.items():
        print(f'| {row["domain"]} | {row["severity"]} | {row["direct"]:.2f} | '
              f'{_fmt(row["supervised"])} | {"yes" if row["kept"] else "no"} |')


if __name__ == '__main__':
    main()
