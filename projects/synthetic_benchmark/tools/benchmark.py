"""The full synthetic benchmark: domains x prompts x methods x seeds, paired intervals.

    python projects/synthetic_benchmark/tools/benchmark.py \
        [--tier default|hard] [--domains ...] [--prompts box point poly]
        [--methods direct tent selftrain_only ema_teacher wesam supervised] [--seeds 0 1]
        [--control] [--source p4] [--out work_dirs/benchmark] [--eval-split val --lr 3e-4]
        [--rerun-stale] [--amp bfloat16]

Each trained method runs a fixed number of iterations and the FINAL weights are
evaluated on the test split; intervals are paired 95% t-intervals over test images of
(method - Direct). A method whose config watches training with
``NoHarmGuardHook(restore_best=False)`` is also tested with the weights the guard kept
(column ``<method>+guard``, the same runs) and the md says how often those were the final
ones. ``--control`` adds WeSAM adapted on SOURCE images and tested on the
target (how much of a gain is domain adaptation at all). Writes benchmark.json and
benchmark.md (not the demo's results.json, so `--out work_dirs/demo` can extend the demo);
finished runs are reused, so an interrupted benchmark resumes; a recorded run whose
config, source model or overrides changed since is refused (``--rerun-stale`` reruns it).
``--amp bfloat16`` trains and tests every run under bf16 autocast (its config differs, so
give it its own ``--out``; ``compare_methods.py --out-b`` pairs it with the fp32 runs).
Hyper-parameters are tuned with ``--eval-split val`` (and e.g. ``--lr``, ``--iters``),
never on the test split. For each prompt kind a method runs the config that its source
model's ``prompt_configs`` names for it (lrs chosen with that prompt kind), else its
default config.
"""
import argparse
import json
import os
import os.path as osp

import numpy as np

from mmwesam.utils import setup_torch
from synthetic_benchmark.demo import ensure_domains
from synthetic_benchmark.methods import (DEFAULT_SOURCE, DEMO_SPLITS, METHODS, SOURCE_MODELS,
                                         domain_severities)
from synthetic_benchmark.runs import RunRecord, run_key, run_recorded, run_settings
from synthetic_benchmark.stats import paired_interval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--domains', nargs='+', default=None,
                        help='default: the domains kept for the source model')
    parser.add_argument('--prompts', nargs='+', default=['box', 'point', 'poly'])
    parser.add_argument('--methods', nargs='+', default=list(METHODS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--control', action='store_true')
    parser.add_argument('--source', default=DEFAULT_SOURCE, choices=sorted(SOURCE_MODELS),
                        help='source model (and its method configs), default %(default)s')
    parser.add_argument('--iters', type=int, default=None)
    parser.add_argument('--lr', type=float, default=None,
                        help='override every trained method\'s lr (tuning on val)')
    parser.add_argument('--eval-split', default='test', choices=['test', 'val'])
    parser.add_argument('--rerun-stale', action='store_true',
                        help='rerun recorded runs whose config, source model or overrides '
                        'changed (default: stop with an error)')
    parser.add_argument('--tier', default='default', choices=['default', 'hard'],
                        help='the kept domains: today\'s tier or the hard one '
                        '(records/hard_tier_p4.md)')
    parser.add_argument('--data-root', default=None,
                        help='default: data/synthetic_demo (data/synthetic_hard for the '
                        'hard tier: the same domain at another severity needs its own '
                        'folder)')
    parser.add_argument('--amp', default=None, choices=['bfloat16'],
                        help='train and test under bf16 autocast (tools/train.py --amp)')
    parser.add_argument('--out', default='work_dirs/benchmark')
    parser.add_argument('--report-only', action='store_true',
                        help='tabulate the runs recorded in --out without running any '
                        '(a cell with a run missing is "-"; e.g. while other processes '
                        'are still filling the record)')
    args = parser.parse_args()
    setup_torch()
    os.makedirs(args.out, exist_ok=True)
    if args.data_root is None:
        args.data_root = 'data/synthetic_hard' if args.tier == 'hard' else 'data/synthetic_demo'
    severities = domain_severities(args.domains, args.source, args.tier)
    args.domains = list(severities)
    ensure_domains(args.data_root, severities, DEMO_SPLITS)
    if args.control:
        ensure_domains(args.data_root, {'source': None},
                       dict(train=DEMO_SPLITS['adapt'], val=DEMO_SPLITS['val'],
                            test=DEMO_SPLITS['test']))
    runs = RunRecord(args.out)

    overrides = dict(iters=args.iters, lr=args.lr, eval_split=args.eval_split,
                     source=args.source)
    if args.amp:  # only then: the settings of fp32 records stay what they were
        overrides['amp'] = args.amp

    def run(key, method, domain, prompt, seed, **kwargs):
        if args.report_only:  # None where the run is not recorded
            return runs.get(key, run_settings(method, prompt=prompt, seed=seed,
                                              **overrides, **kwargs))
        return run_recorded(runs, key, method, osp.join(args.data_root, domain) + '/',
                            rerun_stale=args.rerun_stale, prompt=prompt, seed=seed,
                            **overrides, **kwargs)

    methods = list(args.methods) + (['wesam_source_control'] if args.control else [])
    table = {}
    for domain in args.domains:
        for prompt in args.prompts:
            direct = run(run_key(domain, prompt, 'direct'), 'direct', domain, prompt, 0)
            cell = table[f'{domain}/{prompt}'] = {}
            for method in methods if direct is not None else []:
                scores, intervals, guards = [], [], []
                for seed in (args.seeds if method != 'direct' else [0]):
                    key = run_key(domain, prompt, method, seed)
                    if method == 'direct':
                        result = direct
                    elif method == 'wesam_source_control':
                        result = run(key, 'wesam', domain, prompt, seed,
                                     adapt_root=osp.join(args.data_root, 'source') + '/',
                                     adapt_ann='annotations/instances_train.json')
                    else:
                        result = run(key, method, domain, prompt, seed)
                    if result is None:
                        break
                    scores.append(result['mIoU'])
                    guards.append(result.get('guard'))
                    if method != 'direct':
                        intervals.append(paired_interval(result['per_image'],
                                                         direct['per_image']))
                if result is None:  # --report-only: not every seed is recorded
                    continue
                cell[method] = dict(mIoU=float(np.mean(scores)), seeds=scores,
                                    vs_direct=intervals)
                if guards and all(g is not None for g in guards):
                    cell[f'{method}+guard'] = guard_cell(guards, direct)
    with open(osp.join(args.out, 'benchmark.json'), 'w') as f:
        json.dump(table, f, indent=2)
    # a method watched by NoHarmGuardHook gets a column for the weights the guard kept
    methods = [column for method in methods for column in (method, f'{method}+guard')
               if column == method or any(column in cell for cell in table.values())]
    lines = ['| domain / prompt | ' + ' | '.join(methods) + ' |',
             '|---|' + '---|' * len(methods)]
    for name, cell in table.items():
        parts = []
        for method in methods:
            if method not in cell:
                parts.append('-')
                continue
            entry = cell[method]
            text = f'{entry["mIoU"]:.2f}'
            if entry['vs_direct']:
                gain = np.mean([i['mean'] for i in entry['vs_direct']])
                low = np.mean([i['low'] for i in entry['vs_direct']])
                high = np.mean([i['high'] for i in entry['vs_direct']])
                text += f' ({gain:+.1f} [{low:+.1f}, {high:+.1f}])'
            parts.append(text)
        lines.append(f'| {name} | ' + ' | '.join(parts) + ' |')
    for prompt in args.prompts:
        cells = [table[f'{d}/{prompt}'] for d in args.domains]
        means = [f'**{np.mean([c[m]["mIoU"] for c in cells]):.2f}**'
                 if all(m in c for c in cells) else '-' for m in methods]
        lines.append(f'| **mean ({prompt})** | ' + ' | '.join(means) + ' |')
    lines += guard_summary(table)
    markdown = '\n'.join(lines)
    with open(osp.join(args.out, 'benchmark.md'), 'w') as f:
        f.write(markdown + '\n\nCells: final mIoU (mean over seeds) and, in brackets, the '
                'gain over Direct with its paired 95% interval over test images '
                '(seed-averaged).\n')
    print(markdown)


def guard_cell(guards: list, direct: dict) -> dict:
    """The table cell of the weights NoHarmGuardHook kept (one per seed), with their
    paired intervals against Direct and the guard's choices (was it the final
    checkpoint, which iteration)."""
    return dict(mIoU=float(np.mean([g['mIoU'] for g in guards])),
                seeds=[g['mIoU'] for g in guards],
                vs_direct=[paired_interval(g['per_image'], direct['per_image'])
                           for g in guards],
                picked_final=[g['picked_final'] for g in guards],
                best_iter=[g['best_iter'] for g in guards])


def guard_summary(table: dict) -> list:
    """Markdown lines: how often the guard kept the final weights and what its choice
    did to the test mIoU (kept minus final, per run)."""
    lines = []
    columns = sorted({m for cell in table.values() for m in cell if m.endswith('+guard')})
    for column in columns:
        method = column[:-len('+guard')]
        picked, changes = [], []
        for cell in table.values():
            if column in cell:
                picked += cell[column]['picked_final']
                changes += [g - f for g, f in zip(cell[column]['seeds'],
                                                  cell[method]['seeds'])]
        lines.append(f'\n{column}: the guard kept the final weights in {sum(picked)} of '
                     f'{len(picked)} runs; kept minus final test mIoU: mean '
                     f'{np.mean(changes):+.2f}, min {min(changes):+.2f}, max '
                     f'{max(changes):+.2f}.')
    return lines


if __name__ == '__main__':
    main()
