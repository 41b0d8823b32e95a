"""The synthetic benchmark: run methods on domains, tabulate, draw (demo + full runs).

Every run goes through the same configs and MMEngine runners as a real dataset; only
the data root, prompt type, seed and iteration count are set here. The evaluated
weights are the FINAL ones of a fixed-length run (no best point of a curve).
"""
import functools
import hashlib
import json
import os
import os.path as osp
import time
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The source models the benchmark can start from: name -> the directory of its method
# configs (same file names in each), its official-layout checkpoint and its target
# domains. 'p4' (source test box mIoU 92.4, 60-iteration schedule) is the default; 'p8'
# (84.7, 300 iterations) is the model of the earlier tables in docs/benchmark/.
# The domains and severities are those that passed the selection rule of README
# "Benchmark" for that model (tools/analysis_tools/select_domains.py --source ...,
# validation split, before any WeSAM run with it): per domain the most severe level with
# 50 <= Direct <= 80, kept if supervised >= Direct + 10.
# ``prompt_configs`` ({prompt: {method: config file}}) names the configs whose
# hyper-parameters were chosen on validation with that prompt kind; a method without one
# runs its default config (chosen with boxes) for that prompt kind too.
SOURCE_MODELS: Dict[str, dict] = {
    'p4': dict(configs='configs/synthetic_p4',
               checkpoint=osp.join(REPO, 'checkpoints', 'sam_tiny_synthetic_source_p4.pth'),
               # fog just missed the headroom test (+9.25), noise_blur (+1.3), jpeg (+1.4)
               # and clutter (-0.2) failed it
               domains=dict(low_contrast=3, camouflage=4, medical=4),
               # lrs re-chosen on validation with point prompts (select_lr.py --prompt
               # point; docs/benchmark/lr_search_p4_point.md); self-training only kept
               # its box lr, the supervised bound was not searched; WeSAM's anchor
               # weight and lr then jointly on two seeds (anchor_weight_p4_point_val.md)
               prompt_configs=dict(point=dict(
                   wesam='wesam_tiny_point_synthetic.py',
                   tent='tent_tiny_point_synthetic.py',
                   ema_teacher='ema_teacher_tiny_point_synthetic.py'))),
    # noise_blur (+4.4), jpeg (+1.5) and clutter (-0.1) failed the headroom test
    'p8': dict(configs='configs/synthetic',
               checkpoint=osp.join(REPO, 'checkpoints', 'sam_tiny_synthetic_source.pth'),
               domains=dict(fog=4, low_contrast=3, camouflage=3, medical=4)),
}
DEFAULT_SOURCE = 'p4'

# method -> (config file in the source model's config directory, whether it trains)
METHODS: Dict[str, tuple] = {
    'direct': ('direct_tiny_synthetic.py', False),
    'tent': ('tent_tiny_synthetic.py', True),
    'selftrain_only': ('selftrain_only_tiny_synthetic.py', True),
    'ema_teacher': ('ema_teacher_tiny_synthetic.py', True),
    'wesam': ('wesam_tiny_box_synthetic.py', True),
    'supervised': ('supervised_tiny_synthetic.py', True),
}
# Ablations: run like methods (select_lr.py, benchmark.py --methods) but not part of the
# default benchmark; their configs exist only where a source model was ablated.
ABLATIONS: Dict[str, tuple] = {
    'wesam_no_anchor': ('wesam_no_anchor_tiny_synthetic.py', True),
    'wesam_no_contrast': ('wesam_no_contrast_tiny_synthetic.py', True),
    # the contrastive weights searched on validation (WeSAM itself carries the chosen
    # one; 0 is wesam_no_contrast)
    'wesam_contrast0p1': ('wesam_contrast0p1_tiny_synthetic.py', True),
    'wesam_contrast0p3': ('wesam_contrast0p3_tiny_synthetic.py', True),
    'wesam_contrast1p0': ('wesam_contrast1p0_tiny_synthetic.py', True),
    # the anchor weights searched with the lr on validation with point prompts (WeSAM's
    # box config keeps the paper's 1.0, its point config carries the choice; 0 is
    # wesam_no_anchor)
    'wesam_anchor0p1': ('wesam_anchor0p1_tiny_synthetic.py', True),
    'wesam_anchor0p3': ('wesam_anchor0p3_tiny_synthetic.py', True),
    # the step beyond that grid's lower edge (0.1 won there)
    'wesam_anchor0p03': ('wesam_anchor0p03_tiny_synthetic.py', True),
    # diagnostics: WeSAM with the anchor decoding another prompt kind than teacher and
    # student (CrossPromptAnchorSelfTraining); not comparable with the methods
    'diag_box_anchor': ('diag_box_anchor_tiny_synthetic.py', True),
    'diag_point_anchor': ('diag_point_anchor_tiny_synthetic.py', True),
}


def _runnable() -> Dict[str, tuple]:
    # looked up at call time: tests add probe methods to METHODS
    return {**METHODS, **ABLATIONS}


def method_config(method: str, source: str = DEFAULT_SOURCE, prompt: str = 'box') -> str:
    """The config file of ``method`` for the source model ``source`` and prompt kind
    ``prompt``: the one its ``prompt_configs`` name, else the method's default."""
    info = _source(source)
    runnable = _runnable()
    if method not in runnable:
        raise ValueError(f'unknown method {method!r}; known: {sorted(runnable)}')
    name = info.get('prompt_configs', {}).get(prompt, {}).get(method, runnable[method][0])
    path = osp.join(REPO, info['configs'], name)
    if method in ABLATIONS and not osp.isfile(path):
        raise FileNotFoundError(f'ablation {method!r} has no config for source model '
                                f'{source!r}: {path} does not exist')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{method!r} ({prompt} prompts) of source model {source!r}: '
                                f'config {path} does not exist')
    return path


def _source(source: str) -> dict:
    if source not in SOURCE_MODELS:
        raise ValueError(f'unknown source model {source!r}; known: {sorted(SOURCE_MODELS)}')
    return SOURCE_MODELS[source]


def source_checkpoint_of(source: str = DEFAULT_SOURCE) -> str:
    """The checkpoint file of the source model ``source``."""
    return _source(source)['checkpoint']


def kept_domains(source: str = DEFAULT_SOURCE) -> Dict[str, int]:
    """{domain: severity} kept by the selection rule for ``source``: the demo's and the
    benchmark's target domains."""
    return dict(_source(source)['domains'])


def domain_severities(domains: Optional[Sequence[str]], source: str = DEFAULT_SOURCE
                      ) -> Dict[str, Optional[int]]:
    """{domain: severity} for ``domains`` (default: the kept ones); a domain that was
    not kept runs at its generator default (None)."""
    kept = kept_domains(source)
    return {d: kept.get(d) for d in domains} if domains else kept


DEMO_SPLITS = dict(adapt=200, val=50, test=100)


def candidate_severity(direct: Dict[str, float], low: float = 50, high: float = 80
                       ) -> Optional[int]:
    """The selection rule's candidate: the most severe level (keys '1'..'5') whose
    Direct mIoU lies in [low, high]; None if no level does."""
    in_range = [int(s) for s, v in direct.items() if low <= v <= high]
    return max(in_range) if in_range else None


def _model_cfg(cfg):
    """The PromptableSAM config inside a method's model config."""
    return cfg.model.segmentor if 'segmentor' in cfg.model else cfg.model


def build_method_cfg(method: str, data_root: str, work_dir: str, prompt: str = 'box',
                     seed: int = 0, iters: Optional[int] = None,
                     adapt_root: Optional[str] = None, adapt_ann: Optional[str] = None,
                     eval_split: str = 'test', lr: Optional[float] = None,
                     source: str = DEFAULT_SOURCE, source_checkpoint: Optional[str] = None):
    """The config of one run: ``method`` of source model ``source`` (its config
    directory in :data:`SOURCE_MODELS`) adapted on ``adapt_root`` (default: the domain's
    own adapt split) and evaluated on ``data_root``'s ``eval_split``; ``lr`` overrides
    the config's learning rate (tuning on the validation split); ``source_checkpoint``
    replaces the source model's weights (same architecture)."""
    from mmengine.config import Config
    cfg = Config.fromfile(method_config(method, source, prompt))
    model = _model_cfg(cfg)
    model.init_cfg = dict(type='Pretrained',
                          checkpoint=source_checkpoint or source_checkpoint_of(source))
    model.prompt_type = prompt
    model.test_prompt_type = prompt
    cfg.train_dataloader.dataset.data_root = adapt_root or data_root
    if adapt_ann:
        cfg.train_dataloader.dataset.ann_file = adapt_ann
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    cfg.test_dataloader.dataset.ann_file = f'annotations/instances_{eval_split}.json'
    if lr is not None:
        cfg.optim_wrapper.optimizer.lr = lr
    if iters is not None:
        cfg.train_cfg.max_iters = iters
        cfg.default_hooks.checkpoint.interval = iters
        cfg.param_scheduler[0].end = min(cfg.param_scheduler[0].end, iters)
    # no mid-run validation: the final weights are what is reported
    cfg.train_cfg.val_interval = cfg.train_cfg.max_iters + 1
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger.interval = 10**6
    cfg.test_evaluator = dict(type='InstanceIoUMetric',
                              per_image_file=osp.join(work_dir, 'per_image.json'))
    cfg.experiment_name = f'{method}_{osp.basename(osp.normpath(work_dir))}_' \
                          f'{time.time_ns()}'
    return cfg


def run_method(method: str, data_root: str, work_dir: str, **kwargs) -> dict:
    """Adapt (if the method trains) and evaluate; returns metrics and file paths."""
    import torch
    from mmengine.runner import Runner

    from mmwesam.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = build_method_cfg(method, data_root, work_dir, **kwargs)
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    runner = Runner.from_cfg(cfg)
    if _runnable()[method][1]:
        runner.train()
    else:
        runner.model.init_weights()
    with torch.no_grad():
        metrics = runner.test()
    result = dict(method=method, data_root=data_root, mIoU=metrics['mIoU'],
                  mF1=metrics['mF1'], num_images=metrics['num_images'],
                  num_instances=metrics['num_instances'], seconds=time.time() - start,
                  per_image=osp.join(work_dir, 'per_image.json'))
    model = runner.model
    result['model'] = model
    return result


def run_key(domain: str, prompt: str, method: str, seed: int = 0) -> str:
    """The name of one run in ``runs.json`` (also its work dir under the output dir)."""
    return f'{domain}/{prompt}/direct' if method == 'direct' else \
        f'{domain}/{prompt}/{method}/seed{seed}'


def _file_digest(path: str) -> str:
    if not osp.isfile(path):
        return 'missing'
    stat = os.stat(path)
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    # keyed on mtime and size: a benchmark asks once per run, a checkpoint may be large
    with open(path, 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


def run_settings(method: str, iters: Optional[int] = None, lr: Optional[float] = None,
                 eval_split: str = 'test', source: str = DEFAULT_SOURCE,
                 source_checkpoint: Optional[str] = None, **kwargs) -> dict:
    """What a recorded run was made with, beyond its key (domain, prompt, method, seed):
    the command-line overrides plus fingerprints of the method's resolved run config
    (lr, iterations, loss weights, ...; after the overrides, without paths) and of the
    source checkpoint's bytes. Editing a config or retraining the source model makes older
    records stale: :meth:`RunRecord.get` then refuses them instead of reusing them."""
    cfg = build_method_cfg(method, '<data_root>/', '<work_dir>', iters=iters, lr=lr,
                           eval_split=eval_split, source=source,
                           source_checkpoint='<source>', **kwargs)
    cfg.pop('experiment_name')  # unique per build (a timestamp)
    text = json.dumps(cfg.to_dict(), sort_keys=True, default=str)
    return dict(iters=iters, lr=lr, eval_split=eval_split,
                config=hashlib.sha1(text.encode()).hexdigest()[:12],
                source=_file_digest(source_checkpoint or source_checkpoint_of(source)))


class RunRecord:
    """``<out_dir>/runs.json``: finished runs by :func:`run_key`, saved after each run,
    so an interrupted benchmark resumes and the benchmark reuses the demo's runs
    (``benchmark.py --out work_dirs/demo``). Each run carries its :func:`run_settings`;
    a recorded run whose settings differ from the requested ones is an error."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.file = osp.join(out_dir, 'runs.json')
        self.runs: Dict[str, dict] = {}
        if osp.isfile(self.file):
            with open(self.file) as f:
                self.runs = json.load(f)

    def get(self, key: str, settings: dict, rerun_stale: bool = False) -> Optional[dict]:
        """The finished run ``key`` (None if not run yet); a run made with other settings
        (overrides, config or source model) is an error, or, with ``rerun_stale``, None
        so that it is made again (and replaced); never a silent mix."""
        run = self.runs.get(key)
        if run is not None and run.get('settings') != settings:
            if rerun_stale:
                print(f'[runs] {key}: recorded with {run.get("settings")}, now {settings}; '
                      'running it again', flush=True)
                return None
            raise ValueError(f'{self.file}: run {key!r} was made with settings '
                             f'{run.get("settings")}, not {settings} (other overrides, an '
                             'edited config or another source model); use another output '
                             'directory, rerun stale runs (benchmark.py --rerun-stale) or '
                             'delete the run from runs.json')
        return run

    def add(self, key: str, result: dict, settings: dict) -> dict:
        self.runs[key] = {k: v for k, v in result.items() if k != 'model'}
        self.runs[key]['settings'] = settings
        os.makedirs(self.out_dir, exist_ok=True)
        # write then rename: a run killed mid-write must not truncate the earlier records
        partial = self.file + '.partial'
        with open(partial, 'w') as f:
            json.dump(self.runs, f, indent=2)
        os.replace(partial, self.file)
        return self.runs[key]


def run_recorded(record: RunRecord, key: str, method: str, data_root: str,
                 rerun_stale: bool = False, **kwargs) -> dict:
    """The run ``key`` from ``record`` if it was made with the same :func:`run_settings`,
    else :func:`run_method` (work dir ``<record dir>/<key>``) and record it. ``kwargs`` are
    those of :func:`build_method_cfg` (prompt, seed, iters, lr, eval_split, ...)."""
    settings = run_settings(method, **kwargs)
    result = record.get(key, settings, rerun_stale=rerun_stale)
    if result is None:
        result = run_method(method, data_root, osp.join(record.out_dir, key), **kwargs)
        result = record.add(key, result, settings)
        print(f'{key}: {kwargs.get("eval_split", "test")} mIoU {result["mIoU"]:.2f} '
              f'({result["seconds"]:.0f}s)', flush=True)
    return result


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
                     confidence: float = 0.95) -> Dict[str, Dict[str, dict]]:
    """``method_a - method_b`` from recorded runs (``runs.json``), paired over test images:
    ``{domain: {'seed<s>': interval}}`` plus ``'all domains'`` (the images of every domain
    pooled, per seed). Each seed's interval covers image sampling only: how far apart the
    seeds land is the other part of the uncertainty, so it is reported per seed."""
    out: Dict[str, Dict[str, dict]] = {}
    pooled: Dict[int, list] = {seed: [] for seed in seeds}
    for domain in domains:
        out[domain] = {}
        for seed in seeds:
            files = []
            for method in (method_a, method_b):
                key = run_key(domain, prompt, method, seed)
                if key not in runs:
                    raise KeyError(f'no recorded run {key!r} (recorded: {len(runs)} runs)')
                files.append(runs[key]['per_image'])
            diff = paired_differences(*files)
            out[domain][f'seed{seed}'] = t_interval(diff, confidence)
            pooled[seed].append(diff)
    out['all domains'] = {f'seed{seed}': t_interval(np.concatenate(pooled[seed]), confidence)
                          for seed in seeds}
    return out


def ensure_domains(data_root: str, domains: Dict[str, int], splits: Dict[str, int],
                   seed: int = 0) -> None:
    """Generate the domains that are not there yet (seeded; the same files every time)."""
    from mmwesam.datasets.synthetic import DOMAINS, generate_domain
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


def _draw_overlays(models: Dict[str, object], data_root: str, out_file: str,
                   num_images: int = 3) -> None:
    """GT outline (green) and predicted masks (red) per model, side by side."""
    import cv2
    from pycocotools.coco import COCO

    from mmwesam.apis import inference_sam
    coco = COCO(osp.join(data_root, 'annotations', 'instances_test.json'))
    rows = []
    for image_id in sorted(coco.getImgIds())[:num_images]:
        info = coco.loadImgs(image_id)[0]
        image = cv2.imread(osp.join(data_root, info['file_name']))[..., ::-1].copy()
        anns = coco.loadAnns(coco.getAnnIds(imgIds=image_id, iscrowd=False))
        gt = np.stack([coco.annToMask(a) for a in anns]).astype(bool)
        boxes = [[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                  a['bbox'][1] + a['bbox'][3]] for a in anns]
        tiles = [image]
        for name, model in models.items():
            pred = inference_sam(model, image, boxes=boxes).masks
            tile = image.astype(np.float32)
            tile[pred.any(0)] = 0.5 * tile[pred.any(0)] + 0.5 * np.array([255, 0, 0])
            tile = tile.astype(np.uint8)
            for mask in gt:
                contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                               cv2.CHAIN_APPROX_NONE)
                cv2.drawContours(tile, contours, -1, (0, 255, 0), 1)
            cv2.putText(tile, name, (2, 10), cv2.FONT_HERSHEY_SIMPLEX, 0.3,
                        (255, 255, 255), 1)
            tiles.append(tile)
        rows.append(np.concatenate(tiles, axis=1))
    grid = np.concatenate(rows, axis=0)
    grid = cv2.resize(grid, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(out_file, grid[..., ::-1])


def _bar_chart(results: Dict[str, Dict[str, float]], methods: Sequence[str],
               out_file: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    domains = list(results)
    x = np.arange(len(domains))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(1.4 * len(domains) + 2, 3.5))
    for k, method in enumerate(methods):
        ax.bar(x + k * width, [results[d][method] for d in domains], width, label=method)
    ax.set_xticks(x + width * (len(methods) - 1) / 2)
    ax.set_xticklabels(domains, rotation=20)
    ax.set_ylabel('mIoU (%)')
    ax.set_ylim(0, 100)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def format_table(results: Dict[str, Dict[str, float]], methods: Sequence[str],
                 kept: Sequence[str] = None) -> str:
    """A Markdown table, one row per domain plus the mean."""
    kept = kept_domains() if kept is None else kept
    lines = ['| domain | ' + ' | '.join(methods) + ' |',
             '|---|' + '---|' * len(methods)]
    for domain, row in results.items():
        name = domain + ('' if domain in kept else ' (not kept)')
        lines.append(f'| {name} | ' + ' | '.join(f'{row[m]:.2f}' for m in methods) + ' |')
    means = {m: float(np.mean([row[m] for row in results.values()])) for m in methods}
    lines.append('| **mean** | ' + ' | '.join(f'**{means[m]:.2f}**' for m in methods) + ' |')
    return '\n'.join(lines)


def run_demo(work_dir: str = 'work_dirs/demo', data_root: str = 'data/synthetic_demo',
             domains: Optional[Sequence[str]] = None, iters: Optional[int] = None,
             source: str = DEFAULT_SOURCE) -> dict:
    """Generate the kept domains, Direct vs WeSAM (box prompts) on each, and report."""
    from mmwesam.utils import setup_torch
    setup_torch()
    checkpoint = source_checkpoint_of(source)
    if not osp.isfile(checkpoint):
        raise SystemExit(f'mmwesam demo: the source model {checkpoint} is missing '
                         '(README.md, section "Benchmark" says how it is made)')
    chosen = domain_severities(domains, source)
    kept = kept_domains(source)
    if not chosen:
        raise SystemExit('mmwesam demo: no target domain selected')
    os.makedirs(work_dir, exist_ok=True)
    ensure_domains(data_root, chosen, DEMO_SPLITS)
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
        _draw_overlays(models, root, osp.join(work_dir, f'overlays_{domain}.png'))
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=2)  # {domain: {method: mIoU}}
    with open(osp.join(work_dir, 'domains.json'), 'w') as f:
        json.dump({d: dict(severity=chosen[d], kept=d in kept) for d in results},
                  f, indent=2)
    _bar_chart(results, ['direct', 'wesam'], osp.join(work_dir, 'results.png'))
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
