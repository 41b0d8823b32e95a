"""Distributed runs without CUDA: gloo and a DDP wrapper without device ids.

MMEngine's ``--launcher pytorch`` assumes GPUs: it calls ``torch.cuda.set_device`` (which a
CPU build of torch does not have) and gives ``MMDistributedDataParallel`` the local rank as
``device_ids`` (which DDP refuses for CPU modules). On a machine without CUDA,
:func:`setup_cpu_distributed` starts the gloo process group itself (the runner then skips
its own ``init_dist``) and sets a wrapper config without device ids. With CUDA nothing
changes. Used by ``tools/train.py`` and ``tools/test.py``; CPU runs are for tests and
debugging (the suite's 2-process test), not for speed.
"""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare ``cfg`` for a distributed run on CPU; True when it did.

    Raises:
        SystemExit: a launcher other than ``pytorch`` (torchrun) on a machine without CUDA.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise SystemExit(f'mmwesam: --launcher {launcher} without CUDA: CPU distributed runs '
                         'use --launcher pytorch (tools/dist_train.sh, torchrun) and gloo')
    missing = [name for name in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if name not in os.environ]
    if missing:
        raise SystemExit(f'mmwesam: --launcher pytorch needs {", ".join(missing)} in the '
                         'environment: start it with torchrun (tools/dist_train.sh)')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None  # a CPU module: DDP refuses device ids
    cfg.model_wrapper_cfg = wrapper
    return True


def finish_distributed() -> None:
    """End a distributed run cleanly: wait for every rank, then destroy the process group.

    Left to the interpreter's exit, gloo's threads can be torn down while the store is
    still in use, and a rank aborts ("terminate called without an active exception",
    SIGABRT) after its work is done: the launcher then reports the whole run as failed.
    A no-op outside a distributed run.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
