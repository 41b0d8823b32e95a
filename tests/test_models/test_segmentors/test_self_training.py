"""WeSAM's SelfTrainingTeacher on a tiny SAM: anchor = source, shared teacher/student,
only the configured parameters adapt, no GT mask in the loss, degenerate inputs, and
the memory options (chunked losses, late LoRA's shared prefix) are exact."""
import copy
import random

import numpy as np
import pytest
import torch
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper

from mmwesam.models.utils import read_checkpoint
from mmwesam.registry import DATASETS, MODELS
from helpers import (SYNTHETIC_WESAM_CONFIG, build_tiny_wesam, changed_keys, clone_state,
                     scene_results, weak_strong_pipeline, write_coco_dataset)

DECODER_TUNING = dict(backbone=dict(lora=None), trainable=(r'^head\.mask_decoder\.', ))


@pytest.fixture(scope='module')
def batch(tmp_path_factory):
    """Two adaptation images through the config's real weak/strong pipeline."""
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco_dataset(root, num_images=6, max_instances=3, seed=3)
    dataset_cfg = Config.fromfile(SYNTHETIC_WESAM_CONFIG).train_dataloader.dataset
    dataset_cfg.update(data_root=root + '/', ann_file='annotations/instances_adapt.json')
    dataset = DATASETS.build(dataset_cfg)
    np.random.seed(0)
    random.seed(0)
    data = pseudo_collate([dataset[0], dataset[1]])
    assert set(data['inputs']) == {'weak', 'strong'}
    counts = [len(s.gt_instances) for s in data['data_samples']['weak']]
    assert min(counts) >= 1 and max(counts) >= 2, counts
    return data


def source_sam(checkpoint):
    """A fresh PromptableSAM (no LoRA at all) loaded from the source checkpoint."""
    cfg = Config.fromfile(SYNTHETIC_WESAM_CONFIG).model.segmentor
    cfg.backbone.lora = None
    cfg.init_cfg = dict(type='Pretrained', checkpoint=checkpoint)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def adapt(model, batch, steps=2, lr=1e-2):
    """Real optimiser steps (Adam over *all* parameters, with weight decay)."""
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4))
    model.train()
    outputs = [model.train_step(copy.deepcopy(batch), wrapper) for _ in range(steps)]
    for log_vars in outputs:
        assert all(torch.isfinite(v).all() for v in log_vars.values()), log_vars
    return outputs


def losses_of(model, batch, edit=None):
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    if edit is not None:
        edit(data['data_samples'])
    return model(**data, mode='loss')


def predictions(model_or_context, inputs, samples, prompt_type='box'):
    with torch.no_grad():
        embeddings = model_or_context.extract_feat(inputs)
        decoded = [model_or_context.decode(embeddings[i],
                                           model_or_context.get_prompts(s, prompt_type))
                   for i, s in enumerate(samples)]
    return embeddings, decoded


def assert_same_outputs(first, second):
    assert torch.equal(first[0], second[0])
    for (logits_a, iou_a), (logits_b, iou_b) in zip(first[1], second[1]):
        assert torch.equal(logits_a, logits_b)
        assert torch.equal(iou_a, iou_b)


# ------------------------------------------------------------------ (a) anchor = source
def test_anchor_is_bit_identical_to_source_after_adaptation(checkpoint, batch):
    model = build_tiny_wesam(checkpoint)
    adapt(model, batch, steps=2)
    lora_b = [p for n, p in model.named_parameters() if 'lora_B' in n]
    assert lora_b and all(p.abs().max() > 0 for p in lora_b)

    data = model.data_preprocessor(copy.deepcopy(batch), False)
    weak, samples = data['inputs']['weak'], data['data_samples']['weak']
    model.eval()
    with model.source_model() as anchor:
        anchor_out = predictions(anchor, weak, samples)
        assert not anchor_out[0].requires_grad
    source_out = predictions(source_sam(checkpoint), weak, samples)
    assert_same_outputs(anchor_out, source_out)

    # the adapted network really differs, and LoRA is back on after the anchor pass
    adapted_out = predictions(model.segmentor, weak, samples)
    assert not torch.allclose(adapted_out[0], source_out[0], atol=1e-4)
    assert_same_outputs(predictions(model.segmentor, weak, samples), adapted_out)


# ------------------------------------------------------- (b) teacher and student share
def test_teacher_is_student_in_default_config(checkpoint):
    model = build_tiny_wesam(checkpoint)
    assert model.teacher is model.student is model.segmentor
    assert model.ema_segmentor is None
    teacher = dict(model.teacher.named_parameters())
    student = dict(model.student.named_parameters())
    assert teacher.keys() == student.keys()
    assert all(teacher[name] is student[name] for name in student)
    assert not any(k.startswith('ema_segmentor.') for k in model.state_dict())
    # LoRA-only adaptation keeps no source copy at all: the anchor is LoRA switched off
    assert model.changed_parameter_names == []
    assert len(list(model.source_copies.buffers())) == 0
    assert set(model.segmentor.trainable_parameter_names()) == {
        n for n, _ in model.segmentor.named_parameters() if '.lora_' in n}


def test_three_branches_see_the_same_prompts(checkpoint, batch):
    """With B = 0 and the strong view replaced by the weak one, teacher, student and
    anchor coincide: the self-training targets are the source model's own masks."""
    model = build_tiny_wesam(checkpoint).eval()

    def weak_as_strong(samples):
        samples['strong'] = samples['weak']

    data = model.data_preprocessor(copy.deepcopy(batch), True)
    data['inputs']['strong'] = data['inputs']['weak'].clone()
    weak_as_strong(data['data_samples'])
    losses = model(**data, mode='loss')

    source = source_sam(checkpoint)
    seg = model.segmentor
    sums, anchor_terms = {}, []
    embeddings, decoded = predictions(source, data['inputs']['weak'],
                                      data['data_samples']['weak'])
    for (logits, iou), sample in zip(decoded, data['data_samples']['weak']):
        crop = seg.loss_logits(logits[:, 0], sample)
        for key, value in seg.mask_losses(crop, iou[:, 0], crop > 0).items():
            sums[key] = sums.get(key, 0) + value / len(decoded)
        anchor_terms.append(model.loss_anchor(crop, crop, crop))
    for key in ('focal', 'dice', 'iou'):
        torch.testing.assert_close(losses[f'loss_st_{key}'], sums[f'loss_{key}'])
    torch.testing.assert_close(losses['loss_anchor'], torch.stack(anchor_terms).mean())


# ---------------------------------------------------- (c) only configured params change
def test_lora_only_changes_and_no_gt_mask_is_used(checkpoint, batch):
    model = build_tiny_wesam(checkpoint)
    before = clone_state(model)
    adapt(model, batch, steps=2)
    changed = changed_keys(before, model)
    assert changed and all('.lora_' in k for k in changed), changed
    assert any('lora_B' in k for k in changed)

    # the WeSAM loss never looks at GT masks: zeroing or removing them changes nothing
    model.eval()
    reference = losses_of(model, batch)

    def zero_masks(samples):
        for branch in samples.values():
            for sample in branch:
                masks = sample.gt_instances.masks
                sample.gt_instances.masks = BitmapMasks(
                    np.zeros_like(masks.to_ndarray()), masks.height, masks.width)

    def drop_masks(samples):
        for branch in samples.values():
            for sample in branch:
                del sample.gt_instances.masks

    for edit in (zero_masks, drop_masks):
        corrupted = losses_of(model, batch, edit)
        assert corrupted.keys() == reference.keys()
        for key in reference:
            assert torch.equal(corrupted[key], reference[key]), key

    # whereas the supervised loss of the same segmentor does depend on them
    seg = model.segmentor
    data = seg.data_preprocessor(dict(inputs=batch['inputs']['weak'],
                                      data_samples=copy.deepcopy(batch['data_samples']['weak'])))
    supervised = seg(**data, mode='loss')
    zero_masks(dict(weak=data['data_samples']))
    assert not torch.equal(seg(**data, mode='loss')['loss_dice'], supervised['loss_dice'])


def test_decoder_tuning_keeps_source_decoder_for_the_anchor(checkpoint, batch):
    model = build_tiny_wesam(checkpoint, segmentor=DECODER_TUNING)
    official = read_checkpoint(checkpoint)
    decoder_names = [n for n, _ in model.segmentor.named_parameters()
                     if n.startswith('head.mask_decoder.')]
    assert model.changed_parameter_names == decoder_names
    assert not any('.lora_' in k for k in model.state_dict())
    before = clone_state(model)
    adapt(model, batch, steps=2)

    changed = changed_keys(before, model)
    assert changed and all(k.startswith('segmentor.head.mask_decoder.') for k in changed)
    # the frozen source copies still hold the checkpoint's decoder
    for name in decoder_names:
        copy_ = getattr(model.source_copies, name.replace('.', '__'))
        assert torch.equal(copy_, official['mask_decoder.' + name[len('head.mask_decoder.'):]])

    data = model.data_preprocessor(copy.deepcopy(batch), False)
    weak, samples = data['inputs']['weak'], data['data_samples']['weak']
    model.eval()
    adapted = predictions(model.segmentor, weak, samples)
    with model.source_model() as anchor:
        anchor_out = predictions(anchor, weak, samples)
    assert_same_outputs(anchor_out, predictions(source_sam(checkpoint), weak, samples))
    assert not torch.equal(adapted[1][0][0], anchor_out[1][0][0])
    # the adapted decoder is back in place after the anchor pass
    assert_same_outputs(predictions(model.segmentor, weak, samples), adapted)
    for name, param in model.segmentor.named_parameters():
        if name in decoder_names:
            assert param.requires_grad
            assert torch.equal(param, model.state_dict()['segmentor.' + name])


# ------------------------------------------------------------ (3) degenerate inputs
H, W = 48, 64  # resized to 96 x 128: rows 96..127 of the 128 x 128 input are padding


def _ellipse(cy, cx, ry, rx):
    yy, xx = np.mgrid[:H, :W]
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1


def _rect(y0, y1, x0, x1):
    mask = np.zeros((H, W), bool)
    mask[y0:y1, x0:x1] = True
    return mask


def _image(seed):
    rng = np.random.default_rng(seed)
    image = np.full((H, W, 3), 40, np.uint8)
    image[:] = rng.integers(0, 80, 3)
    return image


def _scene(kind, seed):
    """(image, masks) of one degenerate case."""
    image = _image(seed)
    masks = {
        'one': [_ellipse(24, 30, 10, 14)],
        'two': [_ellipse(20, 20, 8, 10), _rect(28, 44, 36, 60)],
        'tiny': [_rect(10, 12, 40, 42), _ellipse(30, 20, 9, 12)],
        'border': [_rect(0, H, 0, 6), _rect(H - 10, H, W - 20, W)],
        'padding': [_ellipse(20, 20, 8, 10), _rect(28, 44, 36, 60)],
        'empty': [],
    }[kind]
    for i, mask in enumerate(masks):
        image[mask] = (200 - 40 * i, 120 + 30 * i, 90)
    return image, masks


def _degenerate_batch(kinds, seed=0):
    pipeline = weak_strong_pipeline()
    np.random.seed(seed)
    random.seed(seed)
    results = [pipeline(scene_results(*_scene(kind, seed + i), img_id=i + 1))
               for i, kind in enumerate(kinds)]
    data = pseudo_collate(results)
    for kind, weak, strong in zip(kinds, data['data_samples']['weak'],
                                  data['data_samples']['strong']):
        if kind != 'padding':
            continue
        # prompts below the image (original pixels y > H): in the padded rows
        n = len(weak.gt_instances)
        boxes = torch.tensor([[5.0, H + 2.0, 30.0, H + 14.0]] * n)
        points = torch.tensor([[[10.0 + 5 * j, H + 6.0] for j in range(10)]] * n)
        for sample in (weak, strong):
            for field in ('prompt_boxes', 'prompt_poly_boxes'):
                sample.gt_instances[field] = boxes.clone()
            sample.gt_instances.prompt_points = points.clone()
    return data


@pytest.fixture(scope='module')
def wesam(checkpoint):
    return build_tiny_wesam(checkpoint)


def _check_finite_and_backward(model, losses):
    assert all(torch.isfinite(v).all() for v in losses.values()), losses
    total, log_vars = model.parse_losses(losses)
    model.zero_grad()
    total.backward()
    assert torch.isfinite(total)
    grads = [p.grad for n, p in model.named_parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
    return log_vars


@pytest.mark.parametrize('kinds,skipped,contrast', [
    (('one', 'one'), 2, False),       # contrast undefined for both images
    (('one', 'two'), 1, True),
    (('tiny', 'border'), 0, True),
    (('padding', 'two'), 0, True),    # all prompts of image 1 in the padding
    (('empty', 'one'), 1, False),
])
def test_degenerate_inputs_give_finite_losses(wesam, kinds, skipped, contrast):
    data = _degenerate_batch(kinds)
    counts = [len(s.gt_instances) for s in data['data_samples']['weak']]
    expected_counts = {'one': 1, 'two': 2, 'tiny': 2, 'border': 2, 'padding': 2, 'empty': 0}
    assert counts == [expected_counts[k] for k in kinds]
    wesam.train()
    losses = losses_of(wesam, data)
    assert losses['contrast_skipped'].item() == skipped
    assert ('loss_contrast' in losses) == contrast
    assert {'loss_st_focal', 'loss_st_dice', 'loss_st_iou', 'loss_anchor'} <= set(losses)
    _check_finite_and_backward(wesam, losses)


def test_batch_without_instances_gives_zero_loss_with_graph(wesam):
    data = _degenerate_batch(('empty', 'empty'))
    losses = losses_of(wesam, data)
    assert set(losses) == {'loss_st_focal', 'loss_st_dice', 'loss_st_iou'}
    assert all(v.item() == 0 and v.requires_grad for v in losses.values())
    _check_finite_and_backward(wesam, losses)


@pytest.mark.parametrize('prompt_type', ['point', 'poly'])
def test_degenerate_inputs_other_prompt_types(checkpoint, prompt_type):
    model = build_tiny_wesam(checkpoint, segmentor=dict(prompt_type=prompt_type))
    data = _degenerate_batch(('tiny', 'padding'), seed=1)
    losses = losses_of(model, data)
    assert 'loss_contrast' in losses
    _check_finite_and_backward(model, losses)


def test_ema_teacher_gives_pseudo_labels_without_gradient(checkpoint, batch):
    model = build_tiny_wesam(checkpoint, ema_teacher=True, loss_anchor=None,
                             loss_contrast=None)
    model.eval()
    losses = losses_of(model, batch)
    assert set(losses) == {'loss_st_focal', 'loss_st_dice', 'loss_st_iou'}
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.ema_segmentor.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for n, p in model.segmentor.named_parameters() if 'lora_B' in n)
    # the pseudo labels are the EMA teacher's: moving only the teacher changes the loss
    with torch.no_grad():
        for name, param in model.ema_segmentor.named_parameters():
            if 'lora_B' in name:
                param.normal_(0, 0.5)
    moved = losses_of(model, batch)
    assert not torch.equal(moved['loss_st_dice'], losses['loss_st_dice'])


# ------------------------------------- memory options: exact (docs/en/design.md, Memory)
LATE_LORA = dict(backbone=dict(lora=dict(blocks=[3, 4, 5])))


def _losses_and_grads(model, batch):
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    model.train()
    losses = model(**data, mode='loss')
    model.zero_grad()
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return losses, grads


def _assert_close(first, second, grad_rtol=1e-3):
    (losses_a, grads_a), (losses_b, grads_b) = first, second
    assert set(losses_a) == set(losses_b)
    for key in losses_a:
        torch.testing.assert_close(losses_b[key], losses_a[key], rtol=1e-5, atol=1e-7)
    assert grads_a and grads_a.keys() == grads_b.keys()
    for name in grads_a:
        torch.testing.assert_close(grads_b[name], grads_a[name], rtol=grad_rtol, atol=1e-7)


def test_chunked_self_training_losses_are_exact(checkpoint, batch):
    plain = build_tiny_wesam(checkpoint)
    adapt(plain, batch, steps=1)  # non-zero B: every LoRA factor gets a gradient
    chunked = build_tiny_wesam(checkpoint, segmentor=dict(loss_chunk_size=1))
    chunked.load_state_dict(plain.state_dict())
    _assert_close(_losses_and_grads(plain, batch), _losses_and_grads(chunked, batch))


def test_late_lora_shares_an_exact_frozen_prefix(checkpoint, batch):
    model = build_tiny_wesam(checkpoint, segmentor=LATE_LORA)
    assert model.shared_prefix_depth() == 3
    adapt(model, batch, steps=2)
    backbone = model.segmentor.backbone
    weak = model.data_preprocessor(copy.deepcopy(batch), True)['inputs']['weak']
    # the anchor's embeddings from the shared prefix are bit-equal to the source model's
    with model.source_model():
        anchor = backbone.forward_from(backbone.forward_prefix(weak, 3), 3)
    with torch.no_grad():
        source = source_sam(checkpoint).extract_feat(weak)
    assert torch.equal(anchor, source)
    # and the whole step equals the one that runs every branch from the image
    separate = copy.deepcopy(model)
    separate.share_frozen_prefix = False
    assert separate.shared_prefix_depth() == 0
    _assert_close(_losses_and_grads(separate, batch), _losses_and_grads(model, batch))
    # only the adapted blocks have low-rank factors, and only they change
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all(n.split('.')[3] in ('3', '4', '5') for n in names), names


def test_no_prefix_is_shared_when_the_first_blocks_train(checkpoint):
    full = build_tiny_wesam(checkpoint)  # the paper's LoRA on every block
    assert full.shared_prefix_depth() == 0
    layernorm = build_tiny_wesam(checkpoint, segmentor=dict(
        LATE_LORA, trainable=(r'\.lora_', r'backbone\.blocks\.1\.norm')))
    assert layernorm.shared_prefix_depth() == 1
    ema = build_tiny_wesam(checkpoint, segmentor=LATE_LORA, ema_teacher=True)
    assert ema.shared_prefix_depth() == 0
