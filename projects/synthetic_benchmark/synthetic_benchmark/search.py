"""The lr search on the validation split: the choice rule, the ladder walk, seed merging."""
from typing import Callable, Dict, Sequence, Tuple

import numpy as np

from .methods import DEFAULT_SOURCE, method_config


def choose_lr(scores: Dict[str, Dict[str, float]]) -> tuple:
    """The lr search's rule: ``scores`` is {lr: {domain: validation mIoU}}; the chosen lr
    has the highest mean over domains (ties go to the smaller lr, the more conservative
    step). Every lr must cover the same domains, or the means would not compare.
    Returns ``(chosen lr, {lr: mean})``."""
    if not scores:
        raise ValueError('choose_lr: no lr was evaluated')
    domains = {lr: sorted(row) for lr, row in scores.items()}
    first = next(iter(domains.values()))
    for lr, names in domains.items():
        if names != first or not names:
            raise ValueError(f'choose_lr: lr {lr} covers domains {names}, expected {first}')
    means = {lr: float(np.mean(list(row.values()))) for lr, row in scores.items()}
    chosen = max(sorted(means, key=float), key=lambda lr: means[lr])
    return chosen, means


def configured_lr(method: str, source: str = DEFAULT_SOURCE, prompt: str = 'box') -> float:
    """The lr that ``method``'s config of source model ``source`` trains with when
    prompted with ``prompt``."""
    from mmengine.config import Config
    return float(Config.fromfile(method_config(method, source, prompt))
                 .optim_wrapper.optimizer.lr)


def lr_name(value: float, ladder: Sequence[str] = ()) -> str:
    """How the lr search writes ``value``: its spelling on ``ladder`` when it is one of
    its steps (so the run directory is the one the ladder's runs use), else ``%g``."""
    for step in ladder:
        if np.isclose(float(step), value, rtol=1e-6, atol=0):
            return step
    return f'{value:g}'


def search_lr(evaluate: Callable[[str], Dict[str, float]], lrs: Sequence[str],
              ladder: Sequence[str] = ()
              ) -> Tuple[Dict[str, Dict[str, float]], str, Dict[str, float]]:
    """Evaluate every lr of ``lrs`` (``evaluate(lr)`` -> {domain: validation mIoU}) and
    :func:`choose_lr`; then, while the chosen lr has a neighbour on ``ladder`` that was
    not tried, try the neighbours and choose again (a best lr at the edge of a grid is
    not really a choice). Returns ``(scores, chosen, means)``."""
    scores = {lr: evaluate(lr) for lr in lrs}
    chosen, means = choose_lr(scores)
    ladder = sorted(ladder, key=float)
    while chosen in ladder:
        step = ladder.index(chosen)
        new = [lr for lr in ladder[max(step - 1, 0):step + 2] if lr not in scores]
        if not new:
            break
        scores.update({lr: evaluate(lr) for lr in new})
        chosen, means = choose_lr(scores)
    return scores, chosen, means


def merge_lr_searches(searches: Sequence[dict]) -> dict:
    """Merge ``select_lr.py`` records (``lr_search.json``) of the same search made with
    different seeds into seed means: ``{source, prompt, split, seeds, domains, direct,
    methods: {method: {lr: {seed<N>: {domain: mIoU}, mean_seed<N>, domains_mean:
    {domain: mean over seeds}, mean}}}}``. A (method, lr) that some seed lacks keeps its
    seeds' cells but gets no ``mean`` (a mean over fewer seeds would not compare)."""
    if not searches:
        raise ValueError('merge_lr_searches: no search to merge')
    first = searches[0]
    seeds = []
    for search in searches:
        for key in ('source', 'prompt', 'domains', 'direct'):
            if search.get(key) != first.get(key):
                raise ValueError(f'merge_lr_searches: {key!r} differs between searches '
                                 f'({first.get(key)!r} vs {search.get(key)!r}); only seeds '
                                 'of one search merge')
        if search['seed'] in seeds:
            raise ValueError(f'merge_lr_searches: seed {search["seed"]} appears twice')
        seeds.append(search['seed'])
    methods: Dict[str, Dict[str, dict]] = {}
    for search in searches:
        for method, result in search['methods'].items():
            for lr, row in result['scores'].items():
                cell = methods.setdefault(method, {}).setdefault(lr, {})
                cell[f'seed{search["seed"]}'] = dict(row)
                cell[f'mean_seed{search["seed"]}'] = float(np.mean(list(row.values())))
    for cells in methods.values():
        for cell in cells.values():
            if all(f'seed{s}' in cell for s in seeds):
                cell['domains_mean'] = {d: float(np.mean([cell[f'seed{s}'][d] for s in seeds]))
                                        for d in first['domains']}
                cell['mean'] = float(np.mean([cell[f'mean_seed{s}'] for s in seeds]))
    return dict(source=first['source'], prompt=first['prompt'], split='val',
                seeds=sorted(seeds), domains=list(first['domains']),
                direct=dict(first['direct']), methods=methods)


def format_merged_searches(merged: dict) -> str:
    """Markdown of :func:`merge_lr_searches`: per (method, lr) the domains' seed means,
    each seed's mean and the mean over seeds ("-" where a seed is missing)."""
    domains, seeds = merged['domains'], merged['seeds']
    lines = ['| method | lr | ' + ' | '.join(domains) + ' | '
             + ' | '.join(f'mean seed {s}' for s in seeds) + ' | **mean** |',
             '|---|---|' + '---|' * (len(domains) + len(seeds) + 1)]
    direct = float(np.mean([merged['direct'][d] for d in domains]))
    lines.append('| Direct | - | ' + ' | '.join(f'{merged["direct"][d]:.2f}' for d in domains)
                 + ' | ' + ' | '.join(f'{direct:.2f}' for _ in seeds) + f' | {direct:.2f} |')
    for method, cells in merged['methods'].items():
        for lr in sorted(cells, key=float):
            cell = cells[lr]
            row = cell.get('domains_mean', {})
            lines.append(
                f'| {method} | {lr} | '
                + ' | '.join(f'{row[d]:.2f}' if d in row else '-' for d in domains) + ' | '
                + ' | '.join(f'{cell[f"mean_seed{s}"]:.2f}' if f'mean_seed{s}' in cell
                             else '-' for s in seeds)
                + (f' | **{cell["mean"]:.2f}** |' if 'mean' in cell else ' | - |'))
    return '\n'.join(lines)
