"""Distributed runs without CUDA: gloo and a DDP wrapper without device ids.

MMEngine's launchers assume GPUs: they call ``torch.cuda.set_device`` (which a CPU build
of torch does not have) and give ``MMDistributedDataParallel`` the local rank as
``device_ids`` (which DDP refuses for CPU modules). On a machine without CUDA,
:func:`setup_cpu_distributed` starts the gloo process group itself (the runner then skips
its own ``init_dist``) and sets a wrapper config without device ids. For ``slurm`` and
``mpi`` it first derives torch's variables from the scheduler's, by MMEngine's own rules
(:func:`launcher_environment`). Under ``FlexibleRunner`` the strategy wraps the model
(``mmwesam.ResumableFSDPStrategy`` handles the CPU). With CUDA nothing changes. Used by
``tools/train.py`` and ``tools/test.py``; CPU runs are for tests and debugging (the suite's
2-process tests), not for speed.
"""
import gc
import os
import subprocess
from typing import Mapping, Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def launcher_environment(launcher: str, environ: Mapping[str, str],
                         port: Optional[int] = None) -> dict:
    """torch.distributed's ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
    ``MASTER_PORT`` for a process started by ``launcher``, from the scheduler's variables,
    as MMEngine's ``init_dist`` derives them: Slurm's ``SLURM_PROCID``, ``SLURM_NTASKS``,
    ``SLURM_LOCALID`` and the first host of ``SLURM_NODELIST`` (``scontrol show hostname``);
    Open MPI's ``OMPI_COMM_WORLD_*``, with ``MASTER_ADDR`` given by the user. A
    ``MASTER_ADDR`` / ``MASTER_PORT`` already set wins; ``port`` (``env_cfg.dist_cfg.port``)
    beats ``MASTER_PORT``; the default port is torch's 29500.

    Raises:
        SystemExit: a variable the launcher needs is missing, naming it.
    """
    need = dict(pytorch=('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'),
                slurm=('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'),
                mpi=('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
                     'OMPI_COMM_WORLD_LOCAL_RANK', 'MASTER_ADDR'))[launcher]
    missing = [name for name in need if name not in environ]
    if missing:
        start = dict(pytorch='start it with torchrun (tools/dist_train.sh)',
                     slurm='start it with srun (tools/slurm_train.sh)',
                     mpi='start it with mpirun and export MASTER_ADDR')[launcher]
        raise SystemExit(f'mmwesam: --launcher {launcher} needs {", ".join(missing)} in the '
                         f'environment: {start}')
    if launcher == 'pytorch':
        return {name: environ[name] for name in need + ('LOCAL_RANK',) if name in environ}
    if launcher == 'slurm':
        env = dict(RANK=environ['SLURM_PROCID'], WORLD_SIZE=environ['SLURM_NTASKS'],
                   LOCAL_RANK=environ.get('SLURM_LOCALID', '0'))
        addr = environ.get('MASTER_ADDR') or _first_slurm_host(environ['SLURM_NODELIST'])
    else:
        env = dict(RANK=environ['OMPI_COMM_WORLD_RANK'],
                   WORLD_SIZE=environ['OMPI_COMM_WORLD_SIZE'],
                   LOCAL_RANK=environ['OMPI_COMM_WORLD_LOCAL_RANK'])
        addr = environ['MASTER_ADDR']
    env.update(MASTER_ADDR=addr,
               MASTER_PORT=str(port) if port is not None else environ.get('MASTER_PORT',
                                                                          '29500'))
    return env


def _first_slurm_host(node_list: str) -> str:
    """The first host name of a Slurm node list (``node[01-04]``), as Slurm expands it."""
    try:
        result = subprocess.run(['scontrol', 'show', 'hostname', node_list],
                                capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f'mmwesam: --launcher slurm: cannot expand SLURM_NODELIST='
                         f'{node_list!r} with scontrol ({error}); export MASTER_ADDR') from None
    hosts = result.stdout.split()
    if not hosts:
        raise SystemExit(f'mmwesam: --launcher slurm: scontrol gave no host for '
                         f'SLURM_NODELIST={node_list!r}; export MASTER_ADDR')
    return hosts[0]


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare ``cfg`` for a distributed run on CPU; True when it did.

    Raises:
        SystemExit: a variable that the launcher needs is missing.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    os.environ.update(launcher_environment(launcher, os.environ, dist_cfg.get('port')))
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    if cfg.get('runner_type') == 'FlexibleRunner':
        # its strategy wraps the model (mmwesam.ResumableFSDPStrategy names the CPU)
        return True
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None  # a CPU module: DDP refuses device ids
    cfg.model_wrapper_cfg = wrapper
    return True


def finish_distributed() -> None:
    """End a distributed run cleanly: wait for every rank, destroy the process group and
    collect what still refers to it. Call it after dropping the runner (its DDP / FSDP
    wrapper holds the group).

    gloo runs a TCP loop and worker threads per process group, which stop only when the
    group object is freed. Left to the interpreter's exit, they are torn down with
    threads still running, and a rank aborts ("terminate called without an active
    exception", SIGABRT) after its work is done: the launcher then reports the whole run
    as failed. A no-op outside a distributed run.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
        gc.collect()
