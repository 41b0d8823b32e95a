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


def _runner(data_root, work_dir, lr, guard=True, **guard_args):
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    use_tiny_data(cfg, data_root, batch_size=2)
    cfg.train_cfg.update(max_iters=4, val_interval=100)
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.param_scheduler = []
    if guard:
        cfg.custom_hooks.append(dict(type='NoHarmGuardHook', interval=2, **guard_args))
    cfg.randomness = dict(seed=3)
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


def test_the_guard_does_not_change_the_training_it_watches(data_root, tmp_path):
    """Scoring draws no random numbers that training sees: with restore_best=False the
    guarded run ends with exactly the weights of the same run without the guard."""
    plain = _runner(data_root, tmp_path / 'plain', lr=3e-3, guard=False)
    plain.train()
    guarded = _runner(data_root, tmp_path / 'guarded', lr=3e-3, restore_best=False,
                      max_images=4)
    guarded.train()
    guard = next(h for h in guarded.hooks if type(h).__name__ == 'NoHarmGuardHook')
    assert len(guard.dataloader.dataset) == 4 and sorted(guard.history) == [0, 2, 4]
    assert not (tmp_path / 'guarded' / 'weak_label_fit_best.pth').exists()
    want, got = plain.model.state_dict(), guarded.model.state_dict()
    assert all(torch.equal(want[k], got[k]) for k in want)


def test_max_images_must_be_positive():
    from mmwesam.engine.hooks.no_harm_guard_hook import NoHarmGuardHook
    with pytest.raises(ValueError, match='max_images'):
        NoHarmGuardHook(max_images=0)
