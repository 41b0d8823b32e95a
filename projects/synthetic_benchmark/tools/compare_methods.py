"""Two methods of a finished benchmark run against each other, paired over test images.

    python projects/synthetic_benchmark/tools/compare_methods.py \
        work_dirs/bench_point wesam selftrain_only \
        --prompt point [--seeds 0 1] [--domains ...] [--source p4] [--out-b DIR]

Reads ``<out>/runs.json`` of ``benchmark.py`` (nothing is rerun) and prints, per domain and
seed, the mean per-image IoU difference (a - b) with its paired 95% t-interval, plus all
domains' images pooled. The benchmark's own table compares every method with Direct only.
``--out-b`` reads ``method_b``'s runs from another output directory: the same method run
with other settings, e.g. ``benchmark.py --amp bfloat16`` against fp32.
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np

from synthetic_benchmark.methods import DEFAULT_SOURCE, SOURCE_MODELS, kept_domains
from synthetic_benchmark.stats import compare_recorded


def format_comparison(table: dict, method_a: str, method_b: str, seeds) -> str:
    """Markdown: one row per domain, one column per seed, and the seed mean."""
    lines = [f'| {method_a} - {method_b} | ' + ' | '.join(f'seed {s}' for s in seeds)
             + ' | mean over seeds |', '|---|' + '---|' * (len(seeds) + 1)]
    for name, cells in table.items():
        parts = [f'{c["mean"]:+.2f} [{c["low"]:+.2f}, {c["high"]:+.2f}]'
                 for c in (cells[f'seed{s}'] for s in seeds)]
        mean = np.mean([cells[f'seed{s}']['mean'] for s in seeds])
        lines.append(f'| {name} | ' + ' | '.join(parts) + f' | {mean:+.2f} |')
    return '\n'.join(lines)


def _read_runs(out: str):
    runs_file = osp.join(out, 'runs.json')
    if not osp.isfile(runs_file):
        sys.exit(f'{runs_file} does not exist: run projects/synthetic_benchmark/tools/benchmark.py '
                 f'--out {out} first')
    with open(runs_file) as f:
        return json.load(f), runs_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='the benchmark output directory (has runs.json)')
    parser.add_argument('method_a')
    parser.add_argument('method_b')
    parser.add_argument('--prompt', default='box')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--domains', nargs='+', default=None,
                        help='default: the domains kept for the source model')
    parser.add_argument('--source', default=DEFAULT_SOURCE, choices=sorted(SOURCE_MODELS))
    parser.add_argument('--out-b', default=None,
                        help='read method_b\'s runs from this benchmark output instead')
    parser.add_argument('--json', default=None, help='also write the intervals here')
    args = parser.parse_args()
    runs, runs_file = _read_runs(args.out)
    runs_b, runs_file_b = _read_runs(args.out_b) if args.out_b else (runs, runs_file)
    domains = args.domains or list(kept_domains(args.source))
    table = compare_recorded(runs, args.method_a, args.method_b, args.prompt, domains,
                             args.seeds, runs_b=runs_b)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(runs=runs_file, runs_b=runs_file_b, a=args.method_a,
                           b=args.method_b, prompt=args.prompt, intervals=table), f,
                      indent=2)
    print(format_comparison(table, args.method_a, args.method_b, args.seeds))


if __name__ == '__main__':
    main()
