"""Paired statistics over test images: per-image IoU differences and t-intervals."""
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from .runs import run_key


def paired_differences(per_image_a: str, per_image_b: str) -> np.ndarray:
    """Per-image IoU differences (a - b) in points over the images both files score
    (``per_image.json`` of two runs on the same split)."""
    scores = []
    for path in (per_image_a, per_image_b):
        if not osp.isfile(path):
            raise FileNotFoundError(f'per-image scores {path} do not exist (a run record '
                                    'moved or deleted?)')
        with open(path) as f:
            scores.append({r['img_id']: r['iou'] for r in json.load(f)})
    a, b = scores
    common = sorted(set(a) & set(b))
    return np.array([a[i] - b[i] for i in common], dtype=float) * 100


def t_interval(diff: np.ndarray, confidence: float = 0.95) -> Dict[str, float]:
    """Mean and two-sided t-interval of paired differences."""
    from scipy import stats
    half = stats.t.ppf(0.5 + confidence / 2, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(
        len(diff)) if len(diff) > 1 else float('nan')
    return dict(mean=float(diff.mean()), low=float(diff.mean() - half),
                high=float(diff.mean() + half), n=len(diff))


def paired_interval(per_image_a: str, per_image_b: str, confidence: float = 0.95
                    ) -> Dict[str, float]:
    """Mean and t-interval of per-image IoU differences (a - b), in points."""
    return t_interval(paired_differences(per_image_a, per_image_b), confidence)


def compare_recorded(runs: Dict[str, dict], method_a: str, method_b: str, prompt: str,
                     domains: Sequence[str], seeds: Sequence[int],
                     confidence: float = 0.95, runs_b: Optional[Dict[str, dict]] = None
                     ) -> Dict[str, Dict[str, dict]]:
    """``method_a - method_b`` from recorded runs (``runs.json``; ``method_b``'s from
    ``runs_b`` when given, e.g. the same method run in bf16 against fp32), paired over test images:
    ``{domain: {'seed<s>': interval}}`` plus ``'all domains'`` (the images of every domain
    pooled, per seed). Each seed's interval covers image sampling only: how far apart the
    seeds land is the other part of the uncertainty, so it is reported per seed."""
    out: Dict[str, Dict[str, dict]] = {}
    pooled: Dict[int, list] = {seed: [] for seed in seeds}
    for domain in domains:
        out[domain] = {}
        for seed in seeds:
            files = []
            for method, record in ((method_a, runs), (method_b, runs_b or runs)):
                key = run_key(domain, prompt, method, seed)
                if key not in record:
                    raise KeyError(f'no recorded run {key!r} (recorded: {len(record)} runs)')
                files.append(record[key]['per_image'])
            diff = paired_differences(*files)
            out[domain][f'seed{seed}'] = t_interval(diff, confidence)
            pooled[seed].append(diff)
    out['all domains'] = {f'seed{seed}': t_interval(np.concatenate(pooled[seed]), confidence)
                          for seed in seeds}
    return out
