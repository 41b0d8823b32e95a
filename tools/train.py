"""Train (adapt) a model: python tools/train.py CONFIG [--work-dir DIR] [--resume]."""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmwesam.engine.amp import use_amp
from mmwesam.engine.runner.amp_loops import DTYPES as AMP_DTYPES
from mmwesam.utils import register_all_modules
from mmwesam.utils.check_inputs import (exit_if_missing, load_tool_config, missing_inputs,
                                        resume_problem)
from mmwesam.utils.distributed import finish_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train / adapt a SAM model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', nargs='?', const='bfloat16', choices=AMP_DTYPES,
                        help='automatic mixed precision: bfloat16 (default; also on CPU) or '
                        'float16 (CUDA, with dynamic loss scaling, for GPUs without bf16)')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the given checkpoint, or from the latest one '
                        'in the work dir when no path is given')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr linearly with the total batch (GPUs x '
                        'batch_size) against the config\'s auto_scale_lr.base_batch_size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.prompt_type=point')
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
    cfg = load_tool_config(args)
    if args.amp:
        try:
            use_amp(cfg, args.amp, train=True, test=False)
        except ValueError as error:
            raise SystemExit(f'mmwesam: {error}')
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise SystemExit(f'mmwesam: --auto-scale-lr needs auto_scale_lr.base_batch_size '
                             f'in {args.config} (the total batch its lr is for)')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
        if not osp.isfile(args.resume):
            exit_if_missing([f'  {args.resume}: checkpoint to resume from not found'],
                            args.config)
        problem = resume_problem(args.resume)
        if problem:
            raise SystemExit(f'mmwesam: --resume {args.resume}: {problem}')
    loaders = ['train_dataloader']
    if cfg.get('val_cfg') is not None:
        loaders.append('val_dataloader')
    exit_if_missing(missing_inputs(cfg, loaders, check_model_checkpoint=not cfg.resume
                                   or cfg.load_from is None), args.config)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()
    # the runner's DDP / FSDP wrapper holds the process group: drop it first, so that
    # destroying the group really stops gloo's threads
    del runner
    finish_distributed()


if __name__ == '__main__':
    main()
