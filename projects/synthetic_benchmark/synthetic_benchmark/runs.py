"""One benchmark run (adapt, then evaluate the final weights) and the record of runs."""
import fcntl
import functools
import hashlib
import json
import logging
import os
import os.path as osp
import time
import warnings
from typing import Dict, Optional

from .methods import DEFAULT_SOURCE, _runnable, method_config, source_checkpoint_of


def _model_cfg(cfg):
    """The PromptableSAM config inside a method's model config."""
    return cfg.model.segmentor if 'segmentor' in cfg.model else cfg.model


def build_method_cfg(method: str, data_root: str, work_dir: str, prompt: str = 'box',
                     seed: int = 0, iters: Optional[int] = None,
                     adapt_root: Optional[str] = None, adapt_ann: Optional[str] = None,
                     eval_split: str = 'test', lr: Optional[float] = None,
                     source: str = DEFAULT_SOURCE, source_checkpoint: Optional[str] = None,
                     amp: Optional[str] = None):
    """The config of one run: ``method`` of source model ``source`` (its config
    directory in :data:`SOURCE_MODELS`) adapted on ``adapt_root`` (default: the domain's
    own adapt split) and evaluated on ``data_root``'s ``eval_split``; ``lr`` overrides
    the config's learning rate (tuning on the validation split); ``source_checkpoint``
    replaces the source model's weights (same architecture); ``amp`` (``'bfloat16'``)
    trains and tests under autocast, as ``tools/train.py --amp`` does."""
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
    if amp is not None:
        from mmwesam.engine.amp import use_amp
        use_amp(cfg, amp)
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
    with warnings.catch_warnings():
        # every run of a process builds its own runner: mmengine warns that a visualizer
        # of that name exists already (the new one replaces it, which is what we want)
        warnings.filterwarnings('ignore', message='.*instance named of visualizer')
        runner = Runner.from_cfg(cfg)
    _quiet_console(runner.logger)
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
    guard = _guard_result(runner, work_dir, result)
    if guard is not None:
        result['guard'] = guard
    result['model'] = runner.model
    return result


def _guard_result(runner, work_dir: str, final: dict) -> Optional[dict]:
    """A run whose config watches training with ``NoHarmGuardHook(restore_best=False)``
    was tested with its final weights; here the weights the guard kept are tested too
    (the same run, so the two are paired): the guard's summary plus their mIoU and
    per-image file. None for a run without the hook. The model then holds the kept
    weights."""
    import torch
    hook = next((h for h in runner.hooks if type(h).__name__ == 'NoHarmGuardHook'), None)
    if hook is None or hook.best_state is None:
        return None
    if hook.restore_best:
        raise ValueError('the benchmark tests the final weights and then the guard\'s: '
                         'configure NoHarmGuardHook with restore_best=False')
    summary = dict(runner.message_hub.get_info('no_harm_guard'))
    if summary['picked_final']:
        return dict(summary, mIoU=final['mIoU'], per_image=final['per_image'])
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    model.load_state_dict(hook.best_state, strict=False)
    per_image = osp.join(work_dir, 'per_image_guard.json')
    for metric in runner.test_loop.evaluator.metrics:
        metric.per_image_file = per_image
    with torch.no_grad():
        metrics = runner.test()
    return dict(summary, mIoU=metrics['mIoU'], per_image=per_image)


def _quiet_console(logger: logging.Logger) -> None:
    """Errors only on the terminal (the run's own log file in its work dir keeps the
    warnings): a benchmark makes dozens of runs, each of which would repeat mmengine's
    deprecation warnings."""
    for handler in logger.handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(logging.ERROR)


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
    settings = dict(iters=iters, lr=lr, eval_split=eval_split,
                    config=hashlib.sha1(text.encode()).hexdigest()[:12],
                    source=_file_digest(source_checkpoint or source_checkpoint_of(source)))
    if kwargs.get('amp'):  # named only when set: fp32 records keep their settings
        settings['amp'] = kwargs['amp']
    return settings


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
        """Record run ``key``. Several benchmark processes may share one output
        directory (e.g. one per core on disjoint methods or domains): under a lock, the
        runs that others recorded meanwhile are read back first, so none is lost."""
        entry = {k: v for k, v in result.items() if k != 'model'}
        entry['settings'] = settings
        os.makedirs(self.out_dir, exist_ok=True)
        with open(self.file + '.lock', 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if osp.isfile(self.file):
                with open(self.file) as f:
                    self.runs.update(json.load(f))
            self.runs[key] = entry
            # write then rename: a run killed mid-write must not truncate the earlier
            # records
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
