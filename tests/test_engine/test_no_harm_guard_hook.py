"""NoHarmGuardHook keeps the weights that fit the weak labels best: a run wrecked by a
huge learning rate ends with the source weights, bit for bit."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmwesam.utils import register_all_modules
from helpers import REPO, clone_state, use_tiny_data, write_coco_dataset

CONFIG = osp.join(REPO, 'configs/wesam/wesam_tiny-p4_box_60it_coco.py')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco_dataset(root, num_images=6, max_instances=3, seed=5)
    return root


def _runner(data_root, work_dir, lr):
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    use_tiny_data(cfg, data_root, batch_size=2)
    cfg.train_cfg.update(max_iters=4, val_interval=100)
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.param_scheduler = []
    cfg.custom_hooks.append(dict(type='NoHarmGuardHook', interval=2))
    cfg.work_dir = str(work_dir)
    return Runner.from_cfg(cfg)


def test_a_wrecked_run_ends_with_the_source_weights(data_root, tmp_path):
    runner = _runner(data_root, tmp_path, lr=1.0)
    runner.model.init_weights()
    start = clone_state(runner.model)
    runner.train()
    summary = runner.message_hub.get_info('no_harm_guard')
    assert summary['best_iter'] == 0 and not summary['picked_final']
    assert summary['final_fit'] < summary['start_fit']
    end = runner.model.state_dict()
    assert all(torch.equal(end[k], start[k]) for k in start)
    saved = torch.load(osp.join(tmp_path, 'weak_label_fit_best.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    assert all(torch.equal(saved[k], start[k]) for k in start)


def test_the_kept_weights_are_those_of_the_best_scoring(data_root, tmp_path):
    runner = _runner(data_root, tmp_path, lr=3e-3)
    runner.train()
    guard = next(h for h in runner.hooks if type(h).__name__ == 'NoHarmGuardHook')
    assert sorted(guard.history) == [0, 2, 4]
    summary = runner.message_hub.get_info('no_harm_guard')
    assert summary['best_fit'] == max(guard.history.values())
    assert guard.history[summary['best_iter']] == summary['best_fit']
    state = runner.model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in guard.best_state.items())
