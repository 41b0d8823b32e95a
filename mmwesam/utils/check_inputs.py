"""Check a config's input files before a run, and explain what is missing."""
import ast
import os.path as osp
from typing import Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict

from .distributed import setup_cpu_distributed
from .package_files import resolve_config, resolve_shipped_checkpoint

CHECKPOINT_HELP = 'docs/en/get_started.md, section "Checkpoints"'
DATA_HELP = 'docs/en/datasets.md'


def _walk_datasets(dataset: dict, where: str) -> Iterator[Tuple[dict, str]]:
    if not isinstance(dataset, dict):
        return
    if 'ann_file' in dataset or 'data_root' in dataset:
        yield dataset, where
    if isinstance(dataset.get('dataset'), dict):
        yield from _walk_datasets(dataset['dataset'], where + '.dataset')
    for index, child in enumerate(dataset.get('datasets', []) or []):
        yield from _walk_datasets(child, f'{where}.datasets[{index}]')


def _walk_pretrained(node, where: str) -> Iterator[Tuple[dict, str]]:
    """Every ``Pretrained`` init_cfg with a checkpoint under ``node``, and its field."""
    if isinstance(node, dict):
        init_cfg = node.get('init_cfg')
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained' \
                and init_cfg.get('checkpoint'):
            yield init_cfg, f'{where}.init_cfg.checkpoint'
        for key, value in node.items():
            if key != 'init_cfg':
                yield from _walk_pretrained(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _walk_pretrained(value, f'{where}[{index}]')


def missing_inputs(cfg: Config, dataloaders: Sequence[str],
                   check_model_checkpoint: bool = True) -> List[str]:
    """Lines naming each missing file: the path, the config field, where to get it."""
    problems = []
    if check_model_checkpoint:
        for init_cfg, field in _walk_pretrained(cfg.get('model', {}), 'model'):
            path = init_cfg['checkpoint']
            if not path.startswith(('http://', 'https://')) and not osp.isfile(path):
                problems.append(f'  {path}: SAM checkpoint ({field}) not found; '
                                f'see {CHECKPOINT_HELP}')
    for name in dataloaders:
        loader = cfg.get(name)
        if not isinstance(loader, (dict, ConfigDict)):
            continue
        for dataset, where in _walk_datasets(loader.get('dataset', {}), f'{name}.dataset'):
            root = dataset.get('data_root') or ''
            if root and not osp.isdir(root):
                problems.append(f'  {root}: data root ({where}.data_root) not found; '
                                f'see {DATA_HELP}')
                continue
            ann_file = dataset.get('ann_file')
            if ann_file:
                path = ann_file if osp.isabs(ann_file) else osp.join(root, ann_file)
                if not osp.isfile(path):
                    problems.append(f'  {path}: annotation file ({where}.ann_file) not '
                                    f'found; see {DATA_HELP}')
    return list(dict.fromkeys(problems))


def exit_if_missing(problems: List[str], config_path: str) -> None:
    """Print one clear message and exit (status 1) instead of a traceback later."""
    if problems:
        import sys
        print(f'mmwesam: cannot run {config_path}; missing input:\n' + '\n'.join(problems),
              file=sys.stderr)
        sys.exit(1)


def _syntax_error(path: str, seen: Optional[set] = None) -> Optional[str]:
    """The first syntax error in ``path`` or the ``_base_`` files it names (mmengine parses a
    copy of each file and reports ``File "<unknown>"``: this names the real one)."""
    seen = seen if seen is not None else set()
    if path in seen or not osp.isfile(path):
        return None
    seen.add(path)
    with open(path, encoding='utf-8') as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        return f'{path}, line {error.lineno}: {error.msg}'
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_' for t in node.targets):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                return None
            for base in [bases] if isinstance(bases, str) else bases:
                if isinstance(base, str) and '::' not in base:
                    found = _syntax_error(osp.normpath(osp.join(osp.dirname(path), base)),
                                          seen)
                    if found:
                        return found
    return None


def read_config(path: str) -> Config:
    """``Config.fromfile`` whose errors say which file and what: a syntax error with its
    file and line, a missing ``_base_`` file with the config that names it."""
    try:
        return Config.fromfile(path)
    except SyntaxError as error:
        where = _syntax_error(path) or f'line {error.lineno}: {error.msg}'
        raise SystemExit(f'mmwesam: cannot read config {path}: syntax error in {where}')
    except FileNotFoundError as error:
        raise SystemExit(f'mmwesam: cannot read config {path}: a file it inherits from '
                         f'(_base_) is missing: {error.filename}')


def load_tool_config(args, evaluate: bool = False) -> Config:
    """The config of ``tools/train.py`` / ``tools/test.py``: file (a packaged config when
    the path is not a file here, :func:`resolve_config`), --cfg-options, --launcher, and
    --work-dir (default ``work_dirs/<config name>``, as in mmdet), and a CPU distributed
    run's set-up (:func:`setup_cpu_distributed`). A Pretrained checkpoint
    that is not here but ships with the package (the tiny source SAM) is taken from it.
    For evaluation (``evaluate``) a config that trains under FSDP (``FlexibleRunner``)
    runs with MMEngine's ``Runner``: prediction needs no sharding (ViT-H's weights are
    2.4 GiB), and the FSDP checkpoints hold the full weights."""
    try:
        args.config = resolve_config(args.config)
    except FileNotFoundError as error:
        raise SystemExit(f'mmwesam: {error}')
    cfg = read_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    for init_cfg, _ in _walk_pretrained(cfg.get('model', {}), 'model'):
        init_cfg['checkpoint'] = resolve_shipped_checkpoint(init_cfg['checkpoint'])
    if evaluate and cfg.get('runner_type') == 'FlexibleRunner':
        print(f'mmwesam: {args.config} trains under {cfg.get("strategy", {}).get("type")}; '
              'evaluating with the standard Runner (DDP across processes)')
        cfg.pop('runner_type')
        cfg.pop('strategy', None)
    setup_cpu_distributed(cfg, args.launcher)  # gloo, DDP without device ids; no-op on GPU
    return cfg


def resume_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from (``None`` if it is a training checkpoint).

    ``--resume`` continues a run from a checkpoint of ``tools/train.py`` (weights,
    optimizer, iteration in ``meta``); SAM weights or a corrupt file are named as such
    here instead of failing later with ``KeyError: 'meta'``.
    """
    import torch
    try:
        try:  # mmap: only the keys are read, not gigabytes of weights
            checkpoint = torch.load(path, map_location='cpu', weights_only=True, mmap=True)
        except RuntimeError as error:
            if 'mmap' not in str(error):
                raise
            checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as error:  # any reason makes it unusable; say which
        return f'not a readable checkpoint: {_first_line(error)}'
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint and 'meta' in checkpoint:
        return None
    keys = list(checkpoint)[:3] if isinstance(checkpoint, dict) else []
    kind = 'official SAM weights' if any(str(k).startswith('image_encoder.') for k in keys) \
        else f'a {type(checkpoint).__name__} without the "meta" and "state_dict" of a ' \
        'training checkpoint'
    return (f'{kind}. --resume continues a run of tools/train.py from one of its own '
            'checkpoints (iter_N.pth); to adapt from SAM weights, set the model\'s '
            'init_cfg checkpoint (see ' + CHECKPOINT_HELP + ')')


def _first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type if it has none)."""
    return (str(error).splitlines() or [type(error).__name__])[0][:200]
