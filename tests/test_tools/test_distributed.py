"""WeSAM under DDP on CPU (gloo, torchrun, 2 processes): the ranks stay identical, the
result equals one process on the same global batch, and distributed evaluation scores
every test image exactly once."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from helpers import REPO, write_coco_dataset

CONFIG = 'tests/data/configs/wesam_tiny_deterministic.py'
ITERS = 4
ENV = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONWARNINGS='ignore')


def _data_options(root):
    return [f'{name}.dataset.data_root={root}/'
            for name in ('train_dataloader', 'val_dataloader', 'test_dataloader')]


def _run(args, procs, port, report_threads=False):
    launcher = [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={procs}',
                f'--master_port={port}'] if procs > 1 else [sys.executable]
    if report_threads:  # run the tool through a wrapper that lists gloo's threads at the end
        launcher.append('tests/data/report_threads.py')
    result = subprocess.run(launcher + args + (['--launcher', 'pytorch'] if procs > 1 else []),
                            cwd=REPO, env=ENV, capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout + result.stderr


def _train(root, work, procs, batch, port=29617, config=CONFIG, start=None,
           report_threads=False, every=ITERS, resume=None):
    options = ['--resume', resume] if resume else []
    return _run(['tools/train.py', config, '--work-dir', work, *options, '--cfg-options',
                 *_data_options(root), f'train_cfg.max_iters={ITERS}',
                 'train_cfg.val_interval=1000', f'default_hooks.checkpoint.interval={every}',
                 'default_hooks.checkpoint.max_keep_ckpts=-1',
                 'default_hooks.checkpoint.save_best=None', 'default_hooks.logger.interval=1',
                 f'train_dataloader.batch_size={batch}']
                + ([f'load_from={start}'] if start else []), procs, port, report_threads)


def _initial_weights(path):
    """The tiny WeSAM's weights (LoRA included) as a checkpoint that runs start from: the
    FlexibleRunner builds its model after other random draws than the Runner does."""
    from mmengine.config import Config

    from mmwesam.registry import MODELS
    from mmwesam.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    torch.manual_seed(123)
    model = MODELS.build(Config.fromfile(osp.join(REPO, CONFIG)).model)
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return str(path)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    paths = write_coco_dataset(root, num_images=7, max_instances=4, seed=4,
                               splits={'adapt': (0, 4), 'test': (4, 7)})
    with open(paths['adapt']) as f:
        adapt = json.load(f)
    per_image = [sum(a['image_id'] == image['id'] for a in adapt['annotations'])
                 for image in adapt['images']]
    # >= 2 instances everywhere: no rank skips the contrastive term (see the docstring of
    # test_two_processes_equal_one_process_with_the_same_global_batch)
    assert min(per_image) >= 2, per_image
    return root


@pytest.fixture(scope='module')
def trained(data_root, tmp_path_factory):
    work = tmp_path_factory.mktemp('dist')
    two, one = str(work / 'two'), str(work / 'one')
    start = _initial_weights(work / 'start.pth')
    log_two = _train(data_root, two, procs=2, batch=1, start=start, report_threads=True)
    log_one = _train(data_root, one, procs=1, batch=2, start=start)
    return dict(two=two, one=one, log_two=log_two, log_one=log_one, start=start)


def _weights(work):
    return torch.load(osp.join(work, f'iter_{ITERS}.pth'), map_location='cpu')['state_dict']


def test_both_ranks_end_with_identical_weights(trained):
    # RankConsistencyHook broadcasts rank 0's state and compares with torch.equal
    assert 'tensors of the model are identical on the 2 ranks' in trained['log_two']
    assert 'contrast_skipped' in trained['log_two']
    # InstanceCountHook sums over the ranks: 4 iterations x 2 images, 12 instances per pass
    for log in (trained['log_two'], trained['log_one']):
        assert 'training pipeline: 24 instances in 8 loaded images, 24 kept' in log


def test_a_finished_rank_leaves_no_gloo_thread_behind(trained):
    """tools/train.py drops its runner (whose DDP wrapper holds the process group) before
    finish_distributed destroys the group, so gloo's threads stop before the interpreter
    exits: threads left to its teardown aborted a rank now and then (SIGABRT, "terminate
    called without an active exception") after all its work was done."""
    for rank in (0, 1):
        assert f'rank {rank}: gloo threads left: []' in trained['log_two']


def test_two_processes_equal_one_process_with_the_same_global_batch(trained):
    """2 x batch 1 under DDP against 1 x batch 2, on the same images in each step.

    Each image's loss is its own (means over its prompts); the model averages them over
    the images of a process and DDP averages the gradients over processes, so both runs
    take the gradient of the same mean: equal up to float rounding (summation order of
    the all-reduce against autograd's). That holds when no process skips a term the
    other has (the contrastive term needs 2 instances in an image): the data has >= 2
    everywhere. Adam divides by the gradient's running RMS, so a rounding difference in
    a near-zero gradient component can move its weight by a fraction of the lr; after 4
    steps at lr 1e-3 the bound is 1e-6, and the weights must have moved by far more.
    """
    two, one = _weights(trained['two']), _weights(trained['one'])
    assert two.keys() == one.keys()
    lora = [k for k in two if '.lora_' in k]
    assert lora
    diff = max((two[k] - one[k]).abs().max().item() for k in two)
    assert diff <= 1e-6, diff  # measured: 1.6e-8
    frozen = [k for k in two if '.lora_' not in k]
    assert all(torch.equal(two[k], one[k]) for k in frozen)
    moved = max(one[k].abs().max().item() for k in lora if 'lora_B' in k)
    assert moved > 100 * max(diff, 1e-9), (moved, diff)


def test_fsdp_trains_like_ddp(trained, data_root, tmp_path):
    """The tiny WeSAM under MMEngine's FlexibleRunner + FSDPStrategy, with the ViT-H FSDP
    config's strategy (one FSDP unit per encoder block, original parameters, full
    shard) and its block checkpointing, on 2 CPU processes: teacher, student and anchor
    passes through sharded blocks, LoRA and frozen weights in one flat parameter. From
    the same weights and on the same global batch it ends where DDP ends (measured:
    bit-equal; FSDP's reduce-scatter adds the same two gradients as DDP's all-reduce),
    and rank 0 saves a full checkpoint with the keys of DDP's, which tools/test.py
    evaluates. Resumed from its iteration-2 checkpoint (ResumableFSDPStrategy: MMEngine's
    own cannot load the optimizer state with torch >= 2.1) it ends bit-equal to the
    uninterrupted run."""
    work, resumed = str(tmp_path / 'fsdp'), str(tmp_path / 'fsdp_resumed')
    fsdp_config = 'tests/data/configs/wesam_tiny_fsdp.py'
    log = _train(data_root, work, procs=2, batch=1, port=29653, config=fsdp_config,
                 start=trained['start'], every=2)
    log_resumed = _train(data_root, resumed, procs=2, batch=1, port=29655,
                         config=fsdp_config, every=2,
                         resume=osp.join(work, 'iter_2.pth'))
    assert 'resumed epoch: 0, iter: 2' in log_resumed
    assert "runner_type = 'FlexibleRunner'" in log
    assert "type='mmwesam.ResumableFSDPStrategy'" in log
    fsdp, ddp = _weights(work), _weights(trained['two'])
    assert fsdp.keys() == ddp.keys()
    diff = max((fsdp[k] - ddp[k]).abs().max().item() for k in fsdp)
    assert diff <= 1e-6, diff
    start = torch.load(trained['start'], map_location='cpu')['state_dict']
    moved = max((ddp[k] - start[k]).abs().max().item() for k in ddp if '.lora_' in k)
    assert moved > 100 * max(diff, 1e-9), (moved, diff)
    assert all(torch.equal(fsdp[k], start[k]) for k in fsdp if '.lora_' not in k)
    again = _weights(resumed)
    assert all(torch.equal(again[k], fsdp[k]) for k in fsdp)

    # tools/test.py evaluates the FSDP config's checkpoint with the standard runner
    metrics = {}
    for name, config, checkpoint in (
            ('fsdp', 'tests/data/configs/wesam_tiny_fsdp.py', osp.join(work, f'iter_{ITERS}.pth')),
            ('ddp', CONFIG, osp.join(trained['two'], f'iter_{ITERS}.pth'))):
        test_work = str(tmp_path / f'test_{name}')
        log = _run(['tools/test.py', config, checkpoint, '--work-dir', test_work,
                    '--cfg-options', *_data_options(data_root)], 1, 0)
        with open(osp.join(test_work, 'test_metrics.json')) as f:
            metrics[name] = json.load(f)['metrics']
        if name == 'fsdp':
            assert 'trains under mmwesam.ResumableFSDPStrategy; evaluating with the standard' in log
    assert metrics['fsdp'] == metrics['ddp'] and metrics['fsdp']['num_images'] == 3


def test_distributed_evaluation_scores_every_image_once(trained, data_root, tmp_path):
    # 3 test images on 2 processes: the sampler pads rank 1 with a repeat, which
    # mmengine's result collection must drop
    checkpoint = osp.join(trained['one'], f'iter_{ITERS}.pth')
    metrics, logs = {}, {}
    for procs in (1, 2):
        work = str(tmp_path / f'test{procs}')
        logs[procs] = _run(['tools/test.py', CONFIG, checkpoint, '--work-dir', work,
                            '--cfg-options', *_data_options(data_root),
                            'test_dataloader.batch_size=1'], procs, 29631)
        with open(osp.join(work, 'test_metrics.json')) as f:
            metrics[procs] = json.load(f)['metrics']
    assert metrics[2]['num_images'] == metrics[1]['num_images'] == 3
    assert metrics[2]['num_instances'] == metrics[1]['num_instances']
    assert abs(metrics[2]['mIoU'] - metrics[1]['mIoU']) < 1e-9
    instances = metrics[1]['num_instances']
    for log in logs.values():  # the pipeline's count: the padded repeat counted once
        assert f'test pipeline: {instances} instances in 3 images, {instances} kept' in log


def test_auto_scale_lr_scales_to_the_total_batch(data_root, tmp_path):
    # the tiny configs' lr is for a total batch of 4: batch 2 on one process halves it
    log = _run(['tools/train.py', CONFIG, '--auto-scale-lr', '--work-dir', str(tmp_path),
                '--cfg-options', *_data_options(data_root), 'train_cfg.max_iters=1',
                'train_cfg.val_interval=1000', 'train_dataloader.batch_size=2'], 1, 0)
    assert 'LR is set based on batch size of 4 and the current batch size is 2' in log
    saved = torch.load(osp.join(str(tmp_path), 'iter_1.pth'), map_location='cpu',
                       weights_only=False)
    assert saved['optimizer']['param_groups'][0]['initial_lr'] == 5e-4  # 1e-3 x 2 / 4


FAKE_SRUN = '''#!{python}
"""srun for the tests: starts --ntasks copies of the command on this machine with the
variables Slurm gives each task, records its options, and fails if a task fails."""
import json, os, subprocess, sys
args, options = sys.argv[1:], {{}}
while args and args[0].startswith('-'):
    option = args.pop(0)
    if '=' in option:
        key, value = option.split('=', 1)
    else:
        key, value = option, args.pop(0)
    options[key] = value
with open(os.environ['FAKE_SRUN_LOG'], 'a') as f:
    f.write(json.dumps(dict(options=options, command=args)) + '\\n')
tasks, per_node = int(options['--ntasks']), int(options['--ntasks-per-node'])
procs = [subprocess.Popen(args, env=dict(
    os.environ, SLURM_PROCID=str(i), SLURM_NTASKS=str(tasks), SLURM_LOCALID=str(i % per_node),
    SLURM_NODELIST='fakenode[1-1]', SLURM_JOB_NAME=options['--job-name']))
    for i in range(tasks)]
sys.exit(max(p.wait() for p in procs))
'''
FAKE_SCONTROL = '''#!/bin/sh
# scontrol for the tests: the fake node list expands to this machine
[ "$1 $2 $3" = "show hostname fakenode[1-1]" ] && echo 127.0.0.1
'''


def _fake_slurm(tmp_path):
    """A PATH with srun and scontrol stand-ins, and the file srun logs its calls to."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, text in (('srun', FAKE_SRUN.format(python=sys.executable)),
                       ('scontrol', FAKE_SCONTROL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / 'srun.log'
    env = {k: v for k, v in ENV.items() if k not in ('MASTER_ADDR', 'RANK', 'WORLD_SIZE')}
    env.update(PATH=f'{bin_dir}:{ENV["PATH"]}', FAKE_SRUN_LOG=str(log), GPUS='2',
               GRES='', CPUS_PER_TASK='1', PYTHON=sys.executable)
    return env, log


def test_slurm_scripts_train_and_test_like_torchrun(trained, data_root, tmp_path):
    """tools/slurm_train.sh and slurm_test.sh through srun (a stand-in that starts the
    tasks here with Slurm's variables): --launcher slurm derives rank, world size and
    master address as MMEngine does (scontrol for the first node) and trains exactly as
    torchrun's 2 processes did (same seed, same ranks: bit-equal weights); evaluation
    scores every image once, as one process does."""
    env, log = _fake_slurm(tmp_path)
    work = str(tmp_path / 'slurm')
    env['MASTER_PORT'] = '29643'
    result = subprocess.run(
        ['bash', 'tools/slurm_train.sh', 'debug', 'wesam-ci', CONFIG, work, '--cfg-options',
         *_data_options(data_root), f'train_cfg.max_iters={ITERS}',
         'train_cfg.val_interval=1000', f'default_hooks.checkpoint.interval={ITERS}',
         'default_hooks.checkpoint.save_best=None', 'default_hooks.logger.interval=1',
         'train_dataloader.batch_size=1', f'load_from={trained["start"]}'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert 'tensors of the model are identical on the 2 ranks' in output
    slurm, torchrun = _weights(work), _weights(trained['two'])
    assert slurm.keys() == torchrun.keys()
    assert all(torch.equal(slurm[k], torchrun[k]) for k in slurm)
    call = json.loads(log.read_text().splitlines()[0])
    assert call['options'] == {'-p': 'debug', '--job-name': 'wesam-ci', '--ntasks': '2',
                               '--ntasks-per-node': '2', '--cpus-per-task': '1',
                               '--kill-on-bad-exit': '1'}  # GRES= asks for no GPU
    command = call['command']
    assert command[:3] == [sys.executable, '-u', osp.join('tools', 'train.py')]
    assert command[command.index('--launcher') + 1] == 'slurm'
    assert f'--work-dir={work}' in command

    checkpoint = osp.join(work, f'iter_{ITERS}.pth')
    metrics = {}
    for name, command in (
            ('slurm', ['bash', 'tools/slurm_test.sh', 'debug', 'wesam-test', CONFIG,
                       checkpoint]),
            ('one', [sys.executable, 'tools/test.py', CONFIG, checkpoint])):
        test_work = str(tmp_path / f'test_{name}')
        result = subprocess.run(
            command + ['--work-dir', test_work, '--cfg-options', *_data_options(data_root),
                       'test_dataloader.batch_size=1'],
            cwd=REPO, env=dict(env, MASTER_PORT='29647'), capture_output=True, text=True,
            timeout=400)
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
        with open(osp.join(test_work, 'test_metrics.json')) as f:
            metrics[name] = json.load(f)['metrics']
    assert metrics['slurm']['num_images'] == metrics['one']['num_images'] == 3
    assert abs(metrics['slurm']['mIoU'] - metrics['one']['mIoU']) < 1e-9
    assert len(log.read_text().splitlines()) == 2  # train, then test, through srun


def test_mpi_launcher_trains_like_torchrun(trained, data_root, tmp_path):
    """--launcher mpi: 2 processes started with the variables Open MPI's mpirun gives each
    (OMPI_COMM_WORLD_*; no mpirun here) and MASTER_ADDR exported, as the docs say, train
    exactly as torchrun's 2 processes did."""
    work = str(tmp_path / 'mpi')
    args = [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work, '--launcher', 'mpi',
            '--cfg-options', *_data_options(data_root), f'train_cfg.max_iters={ITERS}',
            'train_cfg.val_interval=1000', f'default_hooks.checkpoint.interval={ITERS}',
            'default_hooks.checkpoint.save_best=None', 'train_dataloader.batch_size=1',
            f'load_from={trained["start"]}']
    base = {k: v for k, v in ENV.items() if k not in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK')}
    procs = [subprocess.Popen(args, cwd=REPO, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              env=dict(base, OMPI_COMM_WORLD_RANK=str(rank),
                                       OMPI_COMM_WORLD_SIZE='2',
                                       OMPI_COMM_WORLD_LOCAL_RANK=str(rank),
                                       MASTER_ADDR='127.0.0.1', MASTER_PORT='29659'))
             for rank in (0, 1)]
    outputs = [p.communicate(timeout=400)[0] for p in procs]
    for p, output in zip(procs, outputs):
        assert p.returncode == 0, output[-4000:]
    assert 'tensors of the model are identical on the 2 ranks' in outputs[0]
    mpi, torchrun = _weights(work), _weights(trained['two'])
    assert mpi.keys() == torchrun.keys()
    assert all(torch.equal(mpi[k], torchrun[k]) for k in mpi)
