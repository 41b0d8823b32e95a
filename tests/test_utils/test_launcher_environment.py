"""launcher_environment: torch's rank variables from Slurm's and Open MPI's, by MMEngine's
rules, and a clear stop naming what is missing (setup_cpu_distributed uses it)."""
import os

import pytest

from mmwesam.utils.distributed import launcher_environment


def _scontrol(tmp_path, monkeypatch, output='node07\nnode08\n', status=0):
    """An scontrol stand-in on PATH that prints ``output`` for any node list."""
    script = tmp_path / 'scontrol'
    script.write_text(f'#!/bin/sh\nprintf "{output}"\nexit {status}\n')
    script.chmod(0o755)
    monkeypatch.setenv('PATH', f'{tmp_path}:{os.environ["PATH"]}')


SLURM = dict(SLURM_PROCID='5', SLURM_NTASKS='8', SLURM_LOCALID='1',
             SLURM_NODELIST='node[07-08]')
MPI = dict(OMPI_COMM_WORLD_RANK='3', OMPI_COMM_WORLD_SIZE='4',
           OMPI_COMM_WORLD_LOCAL_RANK='1', MASTER_ADDR='10.0.0.2')


def test_slurm_variables_and_the_first_node(tmp_path, monkeypatch):
    _scontrol(tmp_path, monkeypatch)
    assert launcher_environment('slurm', SLURM) == dict(
        RANK='5', WORLD_SIZE='8', LOCAL_RANK='1', MASTER_ADDR='node07', MASTER_PORT='29500')
    # a master address and port already set win; the config's port beats MASTER_PORT
    given = dict(SLURM, MASTER_ADDR='head', MASTER_PORT='1234')
    assert launcher_environment('slurm', given)['MASTER_ADDR'] == 'head'
    assert launcher_environment('slurm', given)['MASTER_PORT'] == '1234'
    assert launcher_environment('slurm', given, port=4321)['MASTER_PORT'] == '4321'
    without_local = {k: v for k, v in SLURM.items() if k != 'SLURM_LOCALID'}
    assert launcher_environment('slurm', without_local)['LOCAL_RANK'] == '0'


def test_slurm_node_list_that_cannot_be_expanded(tmp_path, monkeypatch):
    _scontrol(tmp_path, monkeypatch, output='', status=1)
    with pytest.raises(SystemExit, match=r"SLURM_NODELIST='node\[07-08\]'.*export MASTER_ADDR"):
        launcher_environment('slurm', SLURM)
    _scontrol(tmp_path, monkeypatch, output='')
    with pytest.raises(SystemExit, match='scontrol gave no host'):
        launcher_environment('slurm', SLURM)


def test_mpi_variables():
    assert launcher_environment('mpi', MPI) == dict(
        RANK='3', WORLD_SIZE='4', LOCAL_RANK='1', MASTER_ADDR='10.0.0.2', MASTER_PORT='29500')
    assert launcher_environment('mpi', dict(MPI, MASTER_PORT='2222'))['MASTER_PORT'] == '2222'


def test_pytorch_variables_pass_through():
    env = dict(RANK='1', WORLD_SIZE='2', LOCAL_RANK='1', MASTER_ADDR='a', MASTER_PORT='9')
    assert launcher_environment('pytorch', dict(env, OTHER='x')) == env


@pytest.mark.parametrize('launcher,environ,missing,how', [
    ('slurm', {k: v for k, v in SLURM.items() if k != 'SLURM_NTASKS'}, 'SLURM_NTASKS', 'srun'),
    ('mpi', {k: v for k, v in MPI.items() if k != 'MASTER_ADDR'}, 'MASTER_ADDR', 'mpirun'),
    ('pytorch', dict(RANK='0'), 'WORLD_SIZE, MASTER_ADDR, MASTER_PORT', 'torchrun'),
])
def test_a_missing_variable_is_named(launcher, environ, missing, how):
    with pytest.raises(SystemExit, match=f'--launcher {launcher} needs {missing} .*{how}'):
        launcher_environment(launcher, environ)
