"""TENT baseline (EntropyMinimization) on a tiny SAM: loss, trainable set, no labels."""
import copy
import random
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper

from mmwesam.registry import DATASETS, MODELS
from helpers import (REPO, changed_keys, clone_state, use_tiny_sam, write_coco_dataset,
                     write_tiny_checkpoint)

TENT_CONFIG = f'{REPO}/configs/baselines/tent_vit-b_box_2k_coco.py'
NORM = r'^backbone\.blocks\.\d+\.norm[12]\.(weight|bias)$'


@pytest.fixture(scope='module')
def cfg(tmp_path_factory):
    checkpoint = write_tiny_checkpoint(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    cfg = use_tiny_sam(Config.fromfile(TENT_CONFIG), checkpoint)
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco_dataset(root, num_images=4, seed=1)
    cfg.train_dataloader.dataset.update(data_root=root + '/',
                                        ann_file='annotations/instances_adapt.json')
    return cfg


@pytest.fixture()
def model(cfg):
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def batch(cfg):
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    np.random.seed(0)
    random.seed(0)
    return pseudo_collate([dataset[0], dataset[1]])


def test_only_encoder_layernorms_train(model):
    names = model.segmentor.trainable_parameter_names()
    depth = len(model.segmentor.backbone.blocks)
    assert len(names) == depth * 4  # norm1/norm2 weight and bias per block
    assert all(re.match(NORM, n) for n in names)
    assert not any('.lora_' in n for n in names)


def test_loss_is_mean_binary_entropy_of_prompted_masks(model, batch):
    model.eval()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    loss = model(**data, mode='loss')
    assert set(loss) == {'loss_entropy'}

    seg = model.segmentor
    per_image = []
    with torch.no_grad():
        embeddings = seg.extract_feat(data['inputs'])
        for embedding, sample in zip(embeddings, data['data_samples']):
            logits, _ = seg.decode(embedding, seg.get_prompts(sample, 'box'))
            # at the default loss_resolution='image': the logits resized as in
            # prediction (to the padded input, crop the padding, to the original size)
            height, width = sample.metainfo['img_shape']
            full = F.interpolate(logits[:, :1], (seg.image_size, seg.image_size),
                                 mode='bilinear', align_corners=False)[..., :height, :width]
            valid = F.interpolate(full, sample.metainfo['ori_shape'], mode='bilinear',
                                  align_corners=False)[:, 0].double()
            p = valid.sigmoid()
            entropy = -(p * p.clamp_min(1e-300).log() + (1 - p) * (1 - p).clamp_min(
                1e-300).log())
            per_image.append(entropy.mean().item())
    assert loss['loss_entropy'].item() == pytest.approx(np.mean(per_image), rel=1e-5)
    # it needs no label: GT masks zeroed, same loss
    for sample in data['data_samples']:
        masks = sample.gt_instances.masks
        sample.gt_instances.masks = BitmapMasks(np.zeros_like(masks.to_ndarray()),
                                                masks.height, masks.width)
    assert torch.equal(model(**data, mode='loss')['loss_entropy'], loss['loss_entropy'])


def test_train_steps_change_only_layernorms(model, batch):
    before = clone_state(model)
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4))
    model.train()
    losses = [model.train_step(copy.deepcopy(batch), wrapper)['loss'] for _ in range(2)]
    assert all(torch.isfinite(v) for v in losses)
    changed = changed_keys(before, model)
    assert changed and all(re.match(NORM, k[len('segmentor.'):]) for k in changed), changed


def test_no_instances_gives_zero_loss_with_graph(model, batch):
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    for sample in data['data_samples']:
        sample.gt_instances = sample.gt_instances[:0]
    loss = model(**data, mode='loss')['loss_entropy']
    assert loss.item() == 0 and loss.requires_grad
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.requires_grad)


def test_predict_gives_masks_at_original_size(model, batch):
    model.eval()
    data = model.data_preprocessor(copy.deepcopy(batch), False)
    results = model(**data, mode='predict')
    for sample in results:
        height, width = sample.metainfo['ori_shape']
        assert sample.pred_instances.masks.shape == (len(sample.gt_instances), height, width)
        assert sample.pred_instances.masks.dtype == torch.bool
