"""Evaluate a model: python tools/test.py CONFIG CHECKPOINT [--out F] [--show-dir D]."""
import argparse
import json
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.dist import get_rank
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmwesam.engine.amp import use_amp
from mmwesam.engine.runner.amp_loops import DTYPES as AMP_DTYPES
from mmwesam.utils import register_all_modules
from mmwesam.utils.check_inputs import (CHECKPOINT_HELP, exit_if_missing, load_tool_config,
                                        missing_inputs)
from mmwesam.utils.distributed import finish_distributed
from mmwesam.utils.package_files import resolve_shipped_checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (evaluate) a SAM model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='official SAM checkpoint or one saved by '
                        'tools/train.py')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--out', help='dump predictions (masks as RLE) to a pickle file')
    parser.add_argument('--show-dir', help='write PNG overlays of GT (left) and predicted '
                        '(right) masks into this folder (inside the work dir)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.test_prompt_type=point')
    parser.add_argument('--amp', nargs='?', const='bfloat16', choices=AMP_DTYPES,
                        help='evaluate under autocast: bfloat16 (default; also on CPU) or '
                        'float16 (CUDA)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = load_tool_config(args, evaluate=True)
    problems = missing_inputs(cfg, ['test_dataloader'], check_model_checkpoint=False)
    args.checkpoint = resolve_shipped_checkpoint(args.checkpoint)
    if not osp.isfile(args.checkpoint):
        problems.insert(0, f'  {args.checkpoint}: checkpoint not found; see '
                        f'{CHECKPOINT_HELP}')
    exit_if_missing(problems, args.config)

    # The checkpoint is loaded by the model itself (official SAM layout or ours), not
    # by the runner's load_from, which knows neither key layout.
    cfg.load_from = None
    if args.amp:
        use_amp(cfg, args.amp, train=False, test=True)
    if args.show_dir:
        cfg.default_hooks.visualization.draw = True
        cfg.default_hooks.visualization.test_out_dir = args.show_dir
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise SystemExit('mmwesam: --out must be a .pkl or .pickle file')
        cfg.test_evaluator = [cfg.test_evaluator] if isinstance(cfg.test_evaluator, dict) \
            else list(cfg.test_evaluator)
        cfg.test_evaluator.append(dict(type='DumpDetResults', out_file_path=args.out))

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    model.load_sam_checkpoint(args.checkpoint)
    metrics = runner.test()
    if get_rank() == 0:  # every rank has the gathered metrics; one writes them
        out_file = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(out_file, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint, metrics=metrics),
                      f, indent=2)
        print(f'metrics written to {out_file}')
    del runner, model  # they hold the process group (see finish_distributed)
    finish_distributed()


if __name__ == '__main__':
    main()
