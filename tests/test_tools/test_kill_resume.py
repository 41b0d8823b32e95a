"""A WeSAM run SIGKILLed by the OS after a checkpoint resumes to the weights of a run that
was never interrupted (same seed, CPU); a NaN loss stops a run without writing NaN weights.
"""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from helpers import REPO, write_coco_dataset

CONFIG = 'tests/data/configs/wesam_tiny.py'
ENV = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONWARNINGS='ignore')


def _train_args(root, work, iters=8):
    return [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
            *[f'{name}.dataset.data_root={root}/'
              for name in ('train_dataloader', 'val_dataloader', 'test_dataloader')],
            f'train_cfg.max_iters={iters}', 'train_cfg.val_interval=1000',
            'default_hooks.checkpoint.interval=2', 'default_hooks.checkpoint.save_best=None',
            'default_hooks.checkpoint.max_keep_ckpts=-1',
            'train_dataloader.batch_size=2']


def _weights(path):
    return torch.load(path, map_location='cpu')['state_dict']


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco_dataset(root, num_images=6, max_instances=3, seed=3,
                       splits={'adapt': (0, 4), 'test': (4, 6)})
    return root


def test_sigkill_after_a_checkpoint_then_resume_gives_identical_weights(data_root,
                                                                        tmp_path):
    whole, killed = str(tmp_path / 'whole'), str(tmp_path / 'killed')
    uninterrupted = subprocess.Popen(_train_args(data_root, whole), cwd=REPO, env=ENV,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    victim = subprocess.Popen(_train_args(data_root, killed), cwd=REPO, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # checkpoints are renamed into place when complete: once iter_4.pth exists it is whole
    deadline = time.time() + 240
    while not osp.exists(osp.join(killed, 'iter_4.pth')):
        assert victim.poll() is None, 'the run ended before its 4th iteration'
        assert time.time() < deadline, 'no checkpoint after 240 s'
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    assert not osp.exists(osp.join(killed, 'iter_8.pth'))
    assert not [f for f in os.listdir(killed) if f.endswith('.tmp')]

    resumed = subprocess.run(_train_args(data_root, killed) + ['--resume'], cwd=REPO,
                             env=ENV, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed' in (resumed.stdout + resumed.stderr).lower()
    assert uninterrupted.wait(timeout=300) == 0, uninterrupted.stderr.read()[-3000:]
    ours, theirs = (_weights(osp.join(d, 'iter_8.pth')) for d in (killed, whole))
    assert ours.keys() == theirs.keys()
    different = [k for k in ours if not torch.equal(ours[k], theirs[k])]
    assert not different, different[:5]
    # and training did move the weights
    assert not all(torch.equal(ours[k], _weights(osp.join(whole, 'iter_4.pth'))[k])
                   for k in ours)


def test_a_nan_loss_stops_the_run_naming_the_iteration_and_term(data_root, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmwesam.utils import register_all_modules
    register_all_modules()
    work = str(tmp_path / 'nan')
    cfg = Config.fromfile(osp.join(REPO, CONFIG))
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].dataset.data_root = data_root + '/'
        cfg[name].num_workers = 0
        cfg[name].persistent_workers = False
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.update(max_iters=6, val_interval=1000)
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None, max_keep_ckpts=-1)
    cfg.work_dir = work
    runner = Runner.from_cfg(cfg)
    loss = runner.model.loss
    calls = []

    def breaks_at_the_third(*args, **kwargs):
        losses = loss(*args, **kwargs)
        calls.append(1)
        if len(calls) == 3:
            losses['loss_anchor'] = losses['loss_anchor'] * float('nan')
        return losses
    runner.model.loss = breaks_at_the_third
    with pytest.raises(FloatingPointError, match=r'iteration 3: loss_anchor = nan'):
        runner.train()
    saved = sorted(f for f in os.listdir(work) if f.endswith('.pth'))
    assert saved == ['iter_1.pth', 'iter_2.pth']
    last = _weights(osp.join(work, 'iter_2.pth'))
    assert all(torch.isfinite(v).all() for v in last.values() if v.is_floating_point())
    # the model in memory never took the NaN step either
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())
