"""Prompt-free SelfTrainingTeacher: the anchor's GridPromptGenerator prompts replace the
weak labels."""
import copy
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from mmwesam.registry import DATASETS
from helpers import SYNTHETIC_WESAM_CONFIG, build_tiny_wesam, write_coco_dataset


@pytest.fixture(scope='module')
def batch(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco_dataset(root, num_images=4, seed=5)
    dataset_cfg = Config.fromfile(SYNTHETIC_WESAM_CONFIG).train_dataloader.dataset
    dataset_cfg.update(data_root=root + '/', ann_file='annotations/instances_adapt.json')
    dataset = DATASETS.build(dataset_cfg)
    np.random.seed(0)
    random.seed(0)
    return pseudo_collate([dataset[0], dataset[1]])


def _prompt_free_losses(model, batch, drop_gt=False):
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    if drop_gt:  # the weak labels (and masks) must not matter: replace every instance
        for branch in data['data_samples'].values():
            for sample in branch:
                sample.gt_instances = sample.gt_instances[:0]
    losses = model(**data, mode='loss')
    return losses, data


def test_no_surviving_prompt_gives_finite_zero_loss(checkpoint, batch):
    model = build_tiny_wesam(checkpoint, prompt_generator=dict(
        type='GridPromptGenerator', points_per_side=4, pred_iou_thresh=1.1))
    losses, data = _prompt_free_losses(model, batch)
    for branch in data['data_samples'].values():
        assert all(len(s.gt_instances) == 0 for s in branch)
    assert set(losses) == {'loss_st_focal', 'loss_st_dice', 'loss_st_iou'}
    total, _ = model.parse_losses(losses)
    total.backward()
    assert total.item() == 0
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.requires_grad)


def test_prompt_free_loss_uses_found_prompts_not_gt(checkpoint, batch):
    model = build_tiny_wesam(checkpoint, prompt_generator=dict(
        type='GridPromptGenerator', points_per_side=4, pred_iou_thresh=-1e9,
        stability_score_thresh=0.0, max_instances=3))
    model.eval()
    losses, data = _prompt_free_losses(model, batch)
    weak, strong = data['data_samples']['weak'], data['data_samples']['strong']
    for w, s in zip(weak, strong):
        assert 1 <= len(w.gt_instances) <= 3
        assert 'masks' not in w.gt_instances  # the GT instances were replaced
        assert torch.equal(w.gt_instances.prompt_boxes, s.gt_instances.prompt_boxes)
    assert all(torch.isfinite(v).all() for v in losses.values())
    without_gt, _ = _prompt_free_losses(model, batch, drop_gt=True)
    assert without_gt.keys() == losses.keys()
    for key in losses:
        assert torch.equal(without_gt[key], losses[key]), key
    total, _ = model.parse_losses(losses)
    total.backward()
    grads = [p.grad for n, p in model.named_parameters() if 'lora_B' in n]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
