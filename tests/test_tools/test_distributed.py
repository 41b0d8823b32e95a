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


def _run(args, procs, port):
    launcher = [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={procs}',
                f'--master_port={port}'] if procs > 1 else [sys.executable]
    result = subprocess.run(launcher + args + (['--launcher', 'pytorch'] if procs > 1 else []),
                            cwd=REPO, env=ENV, capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout + result.stderr


def _train(root, work, procs, batch, port=29617):
    return _run(['tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
                 *_data_options(root), f'train_cfg.max_iters={ITERS}',
                 'train_cfg.val_interval=1000', f'default_hooks.checkpoint.interval={ITERS}',
                 'default_hooks.checkpoint.save_best=None', 'default_hooks.logger.interval=1',
                 f'train_dataloader.batch_size={batch}'], procs, port)


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
    log_two = _train(data_root, two, procs=2, batch=1)
    log_one = _train(data_root, one, procs=1, batch=2)
    return dict(two=two, one=one, log_two=log_two, log_one=log_one)


def _weights(work):
    return torch.load(osp.join(work, f'iter_{ITERS}.pth'), map_location='cpu')['state_dict']


def test_both_ranks_end_with_identical_weights(trained):
    # RankConsistencyHook broadcasts rank 0's state and compares with torch.equal
    assert 'tensors of the model are identical on the 2 ranks' in trained['log_two']
    assert 'contrast_skipped' in trained['log_two']
    # InstanceCountHook sums over the ranks: 4 iterations x 2 images, 12 instances per pass
    for log in (trained['log_two'], trained['log_one']):
        assert 'training pipeline: 24 instances in 8 loaded images, 24 kept' in log


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
