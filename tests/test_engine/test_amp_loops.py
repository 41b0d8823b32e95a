"""AmpTestLoop / AmpValLoop: the shipped tiny model evaluated under bf16 autocast (CPU)
scores what fp32 scores, with finite masks and scores; WeSAM's losses stay finite."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

from mmwesam.engine.runner.amp_loops import AmpTestLoop, AmpValLoop, _dtype
from mmwesam.registry import DATASETS
from helpers import (REPO, SYNTHETIC_WESAM_CONFIG, build_tiny_wesam, use_tiny_data,
                     write_coco_dataset)

SOURCE = osp.join(REPO, 'checkpoints', 'sam_tiny_synthetic_source_p4.pth')
DIRECT = osp.join(REPO, 'configs', 'sam', 'direct_tiny-p4_box_coco.py')


def _test(tmp_path, data_root, test_cfg):
    cfg = Config.fromfile(DIRECT)
    use_tiny_data(cfg, data_root, batch_size=2)
    cfg.work_dir = str(tmp_path)
    cfg.test_cfg = test_cfg
    # validation on the same split, through the matching val loop
    cfg.val_dataloader, cfg.val_evaluator = cfg.test_dataloader, cfg.test_evaluator
    cfg.val_cfg = dict(test_cfg, type=test_cfg['type'].replace('Test', 'Val'))
    runner = Runner.from_cfg(cfg)
    runner.model.load_sam_checkpoint(SOURCE)  # as tools/test.py does
    scores = []
    original = runner.model.predict

    def predict(*args, **kwargs):  # keep what the metric sees
        samples = original(*args, **kwargs)
        scores.extend(s.pred_instances.scores for s in samples)
        return samples
    runner.model.predict = predict
    return runner, runner.test(), scores


def test_bf16_test_loop_scores_like_fp32(tmp_path):
    data_root = str(tmp_path / 'coco')
    write_coco_dataset(data_root, num_images=4, max_instances=3, seed=11,
                       splits={'test': (0, 4)})
    _, fp32, fp32_scores = _test(tmp_path / 'fp32', data_root, dict(type='TestLoop'))
    runner, bf16, bf16_scores = _test(tmp_path / 'bf16', data_root,
                                      dict(type='AmpTestLoop', dtype='bfloat16'))
    assert isinstance(runner.test_loop, AmpTestLoop)
    assert runner.test_loop.dtype is torch.bfloat16
    val = runner.val()
    assert isinstance(runner.val_loop, AmpValLoop)
    assert val['mIoU'] == pytest.approx(bf16['mIoU'], abs=1e-6)
    assert fp32['mIoU'] > 50  # the shipped source model really segments these
    assert abs(bf16['mIoU'] - fp32['mIoU']) < 2.0, (fp32, bf16)
    assert len(bf16_scores) == 8 and len(fp32_scores) == 4  # bf16: test, then val
    assert all(torch.equal(a, b) for a, b in zip(bf16_scores[:4], bf16_scores[4:]))
    for ours, theirs in zip(bf16_scores[:4], fp32_scores):
        assert ours.dtype == torch.float32 and torch.isfinite(ours).all()
        assert not torch.equal(ours, theirs)  # bf16 really ran
        torch.testing.assert_close(ours, theirs, atol=0.05, rtol=0)


def test_wesam_losses_and_gradients_stay_finite_under_bf16(checkpoint, tmp_path):
    root = str(tmp_path)
    write_coco_dataset(root, num_images=2, max_instances=3, seed=3,
                       splits={'adapt': (0, 2)})
    dataset_cfg = Config.fromfile(SYNTHETIC_WESAM_CONFIG).train_dataloader.dataset
    dataset_cfg.update(data_root=root + '/', ann_file='annotations/instances_adapt.json')
    dataset = DATASETS.build(dataset_cfg)
    model = build_tiny_wesam(checkpoint).train()
    data = model.data_preprocessor(pseudo_collate([dataset[0], dataset[1]]), True)
    fp32 = model(**copy.deepcopy(data), mode='loss')
    with torch.autocast('cpu', dtype=torch.bfloat16):
        bf16 = model(**data, mode='loss')
    assert set(bf16) == set(fp32) and 'loss_contrast' in bf16
    for key, value in bf16.items():
        assert value.dtype == torch.float32 and torch.isfinite(value), key
        if key.startswith('loss'):
            assert value.item() == pytest.approx(fp32[key].item(), rel=0.1, abs=0.02), key
    sum(v for k, v in bf16.items() if k.startswith('loss')).backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_amp_loops_check_their_dtype():
    assert _dtype('float16') is torch.float16
    with pytest.raises(ValueError, match='AMP dtype'):
        _dtype('float8')
