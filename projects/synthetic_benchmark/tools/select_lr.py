"""Choose each self-training method's lr on the VALIDATION split (never on test).

    python projects/synthetic_benchmark/tools/select_lr.py \
        [--methods wesam selftrain_only ema_teacher tent]
        [--lrs 1e-4 1e-3] [--ladder 1e-4 3e-4 1e-3 3e-3] [--domains ...] [--prompt box]
        [--seed 0] [--source p4] [--out work_dirs/lr_search]

``--lrs config`` starts each method from the lr its config for ``--prompt`` trains with (with
``--ladder``, the search then tries that lr's ladder neighbours: a search centred on
each method's current value, which costs fewer runs than one grid for all methods).
Ladder lrs already recorded for a method join its search (they cost nothing), so
after a config takes its chosen lr, rerunning the search reproduces the whole table.
Every (method, lr, domain) is adapted for the config's fixed number of iterations and
its FINAL weights are evaluated on the domain's val split; per method the lr with the
highest mean over domains is chosen (``search_lr``/``choose_lr``; ties to the smaller
lr). The search tries ``--lrs`` for every method; with ``--ladder``, while a method's
best lr has a neighbour on the ladder that was not tried, the neighbours are tried too (a
best lr at the edge of a grid is not really a choice, and a coarse grid can step over the
optimum). Runs are recorded in ``<out>/lr<lr>/runs.json`` (resumable, an added lr reuses
the others); writes ``<out>/lr_search.json`` and ``lr_search.md``, keeping the methods
that an earlier search there made under the same settings (source, prompt, seed,
domains). The chosen values go into the source model's method configs by hand (for
another prompt kind: a config of its own, named in ``SOURCE_MODELS[...]['prompt_configs']``),
with the table as the comment's evidence.
"""
import argparse
import json
import os.path as osp

from mmwesam.utils import setup_torch
from synthetic_benchmark.demo import ensure_domains
from synthetic_benchmark.methods import (DEFAULT_SOURCE, DEMO_SPLITS, SOURCE_MODELS,
                                         domain_severities)
from synthetic_benchmark.runs import RunRecord, run_key, run_recorded, run_settings
from synthetic_benchmark.search import configured_lr, lr_name, search_lr


def _keep_earlier(file: str, summary: dict) -> list:
    """Add to ``summary`` the methods that an earlier search in the same output directory
    chose with the same source model, prompt kind, seed, domains and Direct scores (a
    search for one method must not erase the others' results); returns their names. An
    earlier search under other settings is replaced, as before."""
    if not osp.isfile(file):
        return []
    with open(file) as f:
        earlier = json.load(f)
    same = all(earlier.get(k) == summary[k]
               for k in ('source', 'prompt', 'seed', 'domains', 'direct'))
    if not same:
        return []
    kept = [m for m in earlier.get('methods', {}) if m not in summary['methods']]
    summary['methods'] = {**{m: earlier['methods'][m] for m in kept}, **summary['methods']}
    return kept


def _table(summary: dict) -> str:
    """The Markdown table of a search: Direct, then every tried lr of every method."""
    domains, direct = summary['domains'], summary['direct']
    lines = ['| method | lr | ' + ' | '.join(domains) + ' | mean |',
             '|---|---|' + '---|' * (len(domains) + 1),
             '| Direct | - | ' + ' | '.join(f'{direct[d]:.2f}' for d in domains)
             + f' | {sum(direct.values()) / len(direct):.2f} |']
    for method, entry in summary['methods'].items():
        for lr in sorted(entry['scores'], key=float):
            mark = '**' if lr == entry['chosen'] else ''
            lines.append(f'| {method} | {mark}{lr}{mark} | '
                         + ' | '.join(f'{entry["scores"][lr][d]:.2f}' for d in domains)
                         + f' | {mark}{entry["means"][lr]:.2f}{mark} |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+',
                        default=['wesam', 'selftrain_only', 'ema_teacher', 'tent'])
    parser.add_argument('--lrs', nargs='+', default=['1e-4', '1e-3'],
                        help='as written here they name the run directories (lr1e-3); '
                        '"config": each method starts from its config\'s lr')
    parser.add_argument('--ladder', nargs='*', default=[],
                        help='lrs the search may refine into, e.g. 1e-4 3e-4 1e-3 3e-3 '
                        '(default: none, the grid --lrs only)')
    parser.add_argument('--domains', nargs='+', default=None,
                        help='default: the domains kept for the source model')
    parser.add_argument('--prompt', default='box')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--source', default=DEFAULT_SOURCE, choices=sorted(SOURCE_MODELS),
                        help='source model (and its method configs), default %(default)s')
    parser.add_argument('--data-root', default='data/synthetic_demo')
    parser.add_argument('--out', default='work_dirs/lr_search')
    args = parser.parse_args()
    setup_torch()
    severities = domain_severities(args.domains, args.source)
    args.domains = list(severities)
    ensure_domains(args.data_root, severities, DEMO_SPLITS)

    records = {}

    def record(lr: str) -> RunRecord:
        if lr not in records:
            records[lr] = RunRecord(osp.join(args.out, f'lr{lr}'))
        return records[lr]

    def overrides(lr: str) -> dict:
        return dict(prompt=args.prompt, seed=args.seed, lr=float(lr), eval_split='val',
                    source=args.source)

    def run(lr: str, method: str, domain: str) -> float:
        return run_recorded(record(lr), run_key(domain, args.prompt, method, args.seed),
                            method, osp.join(args.data_root, domain) + '/',
                            **overrides(lr))['mIoU']

    def recorded(lr: str, method: str) -> bool:
        """Whether ``method`` at ``lr`` is recorded for every domain (runs nothing)."""
        settings = run_settings(method, **overrides(lr))
        return all(record(lr).get(run_key(d, args.prompt, method, args.seed), settings)
                   is not None for d in args.domains)

    def start_lrs(method: str) -> list:
        """``--lrs`` ('config' resolved), then every lr already recorded for the method
        (free, and a search resumed from another start still sees all its runs)."""
        configured = lr_name(configured_lr(method, args.source, args.prompt), args.ladder)
        lrs = [configured if lr == 'config' else lr for lr in args.lrs]
        return lrs + [lr for lr in args.ladder if lr not in lrs and recorded(lr, method)]

    # Direct does not depend on the lr: measured once, in the first lr directory that has it
    first = start_lrs(args.methods[0])
    direct_lr = next((lr for lr in first + list(args.ladder) if recorded(lr, 'direct')),
                     first[0])
    direct = {d: run(direct_lr, 'direct', d) for d in args.domains}
    summary = dict(source=args.source, prompt=args.prompt, seed=args.seed,
                   domains=args.domains, direct=direct, methods={})
    for method in args.methods:
        scores, chosen, means = search_lr(
            lambda lr: {d: run(lr, method, d) for d in args.domains}, start_lrs(method),
            args.ladder)
        summary['methods'][method] = dict(scores=scores, means=means, chosen=chosen)
    kept = _keep_earlier(osp.join(args.out, 'lr_search.json'), summary)
    if kept:
        print(f'[select_lr] kept from the earlier search in {args.out}: {", ".join(kept)}')
    with open(osp.join(args.out, 'lr_search.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    markdown = _table(summary)
    with open(osp.join(args.out, 'lr_search.md'), 'w') as f:
        f.write(markdown + f'\n\nValidation mIoU ({args.prompt} prompts, seed {args.seed}, '
                'final weights); bold: the chosen lr (highest mean).\n')
    print(markdown)
    print('chosen: ' + ', '.join(f'{m}={v["chosen"]}' for m, v in summary['methods'].items()))


if __name__ == '__main__':
    main()
