"""PromptableSAM: prompts in the encoder frame, masks at the original size, losses."""
import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.structures import InstanceData

from mmwesam.models.segmentors.sam import PROMPT_TYPES
from mmwesam.registry import MODELS
from mmwesam.utils.sam_import import import_sam_modeling
from helpers import TINY_CONFIG, build_instance_dataset, write_coco_dataset


def _build(seed=0, **overrides):
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.update(overrides)
    torch.manual_seed(seed)
    return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def model():
    return _build().eval()


@pytest.fixture(scope='module')
def batch(tmp_path_factory):
    """Two packed images of a small COCO-json dataset (real pipeline)."""
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco_dataset(root, num_images=3, height=60, width=90, max_instances=3, seed=5,
                       splits={'test': (0, 3)})
    dataset = build_instance_dataset(root, 'test')
    items = [dataset[i] for i in range(3)]
    assert [len(item['data_samples'].gt_instances) for item in items] == [3, 2, 1]
    return items


def _preprocessed(model, items):
    return model.data_preprocessor(pseudo_collate(copy.deepcopy(items)), True)


def _sample(num=2, ori=(80, 64), img_shape=(128, 96), scale=(1.5, 1.6)):
    sample = DetDataSample(metainfo=dict(ori_shape=ori, img_shape=img_shape,
                                         scale_factor=scale))
    instances = InstanceData()
    instances.prompt_boxes = torch.tensor([[10., 20., 30., 40.], [0., 0., 64., 80.]])[:num]
    instances.prompt_poly_boxes = torch.tensor([[12., 22., 28., 38.],
                                                [2., 4., 60., 70.]])[:num]
    instances.prompt_points = torch.tensor([[[10., 20.], [5., 5.]],
                                            [[30., 70.], [60., 1.]]])[:num]
    instances.prompt_point_labels = torch.tensor([[1, 0], [1, 1]])[:num]
    masks = np.zeros((num, *ori), np.uint8)
    masks[:, :, :32] = 1  # the left half of the image
    instances.prompt_masks = BitmapMasks(masks, *ori)
    instances.masks = BitmapMasks(masks, *ori)
    sample.gt_instances = instances
    return sample


def test_get_prompts_scaling(model):
    sample = _sample()
    boxes = model.get_prompts(sample, 'box')
    assert set(boxes) == {'boxes'}
    torch.testing.assert_close(boxes['boxes'], torch.tensor([[15., 32., 45., 64.],
                                                             [0., 0., 96., 128.]]))
    points = model.get_prompts(sample, 'point')
    assert set(points) == {'points', 'point_labels'}
    torch.testing.assert_close(points['points'], torch.tensor(
        [[[15., 32.], [7.5, 8.]], [[45., 112.], [90., 1.6]]]))
    assert torch.equal(points['point_labels'], torch.tensor([[1, 0], [1, 1]]))
    both = model.get_prompts(sample, 'box_point')
    assert set(both) == {'boxes', 'points', 'point_labels'}


def test_get_prompts_polygon_mask(model):
    sample = _sample()
    prompts = model.get_prompts(sample, 'poly')
    assert set(prompts) == {'boxes', 'mask_prompts'}
    torch.testing.assert_close(prompts['boxes'][0], torch.tensor([18., 35.2, 42., 60.8]))
    masks = prompts['mask_prompts']
    assert masks.shape == (2, 1, 64, 64)  # the decoder's low-res frame
    # img_shape (128, 96) covers 64 x 48 of the low-res grid; the mask is its left half
    expected = torch.full((64, 64), -20.0)
    expected[:, :24] = 20.0
    assert torch.equal(masks[0, 0], expected) and torch.equal(masks[1, 0], expected)
    assert set(model.get_prompts(sample, 'poly_mask')) == {'mask_prompts'}
    assert set(model.get_prompts(sample, 'poly_box')) == {'boxes'}


def test_postprocess_equals_segment_anything(model):
    g = torch.Generator().manual_seed(0)
    low_res = torch.randn(3, 1, 64, 64, generator=g)
    sample = _sample(ori=(90, 120), img_shape=(96, 128), scale=(128 / 120, 96 / 90))
    ours = model.postprocess_masks(low_res, sample)
    fake = SimpleNamespace(image_encoder=SimpleNamespace(img_size=128))
    theirs = import_sam_modeling().Sam.postprocess_masks(fake, low_res, (96, 128), (90, 120))
    assert ours.shape == (3, 1, 90, 120)
    assert torch.equal(ours, theirs)
    # an image that needed no resize: the skipped same-size resize changes nothing
    same = _sample(ori=(96, 128), img_shape=(96, 128), scale=(1.0, 1.0))
    assert torch.equal(model.postprocess_masks(low_res, same),
                       import_sam_modeling().Sam.postprocess_masks(fake, low_res, (96, 128),
                                                                   (96, 128)))
    # a left/right split of the valid region stays a left/right split of the image
    split = torch.full((1, 1, 64, 64), -5.0)
    split[..., :32] = 5.0
    mask = model.postprocess_masks(split, sample)[0, 0] > 0
    assert mask[:, :58].all() and not mask[:, 62:].any()


def test_loss_keys_values_and_gradients(batch):
    model = _build(seed=1).train()
    data = _preprocessed(model, batch)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_focal', 'loss_dice', 'loss_iou'}
    for value in losses.values():
        assert value.dim() == 0 and torch.isfinite(value) and value > 0
    sum(losses.values()).backward()
    trainable = set(model.trainable_parameter_names())
    assert trainable and all('.lora_' in n for n in trainable)
    for name, param in model.named_parameters():
        if name in trainable:
            assert param.grad is not None, name
        else:
            assert param.grad is None, name
    # with B = 0 the gradient reaches B (A's is zero until B moves)
    grad_b = [p.grad.abs().sum() for n, p in model.named_parameters() if '.lora_B' in n]
    assert all(g > 0 for g in grad_b)


def test_mask_losses_hand_computed():
    model = _build()
    logits = torch.zeros(2, 4, 4)
    targets = torch.zeros(2, 4, 4, dtype=torch.bool)
    targets[:, :2] = True  # half of each mask
    iou_pred = torch.full((2, ), 0.5)
    losses = model.mask_losses(logits, iou_pred, targets)
    # sigmoid(0) = 0.5: focal = mean(0.25 * 0.25 * ln2 | 0.75 * 0.25 * ln2), x 20
    assert losses['loss_focal'].item() == pytest.approx(20 * 0.125 * math.log(2), rel=1e-5)
    # naive dice with eps 1: 1 - (2 * 4 + 1) / (8 + 8 + 1)
    assert losses['loss_dice'].item() == pytest.approx(8 / 17, rel=1e-5)
    # prediction (logit > 0) is empty: IoU 0, so MSE(0.5, 0) = 0.25
    assert losses['loss_iou'].item() == pytest.approx(0.25, rel=1e-5)


def test_loss_without_instances_keeps_a_graph(batch):
    model = _build(trainable=None).train()
    data = _preprocessed(model, batch[:1])
    sample = data['data_samples'][0]
    sample.gt_instances = sample.gt_instances[torch.zeros(0, dtype=torch.long)]
    losses = model(**data, mode='loss')
    assert all(v.item() == 0 and v.requires_grad for v in losses.values())
    sum(losses.values()).backward()
    assert model.backbone.patch_embed.proj.weight.grad is not None


def test_loss_uses_each_images_own_valid_region(batch):
    """Low-res targets are the GT masks on the part of the grid that shows the image."""
    model = _build()
    data = _preprocessed(model, batch[:1])
    sample = data['data_samples'][0]
    assert sample.img_shape == (85, 128)
    assert model._low_res_valid_shape(sample) == (43, 64)
    targets = model._to_low_res(torch.from_numpy(
        sample.gt_instances.masks.to_ndarray()).float(), sample)
    assert targets.shape == (3, 43, 64)


def test_loss_at_image_resolution_uses_the_image_frame(batch):
    """Default loss_resolution='image': logits resized as in prediction (ori_shape)."""
    model = _build()
    assert model.loss_resolution == 'image'
    data = _preprocessed(model, batch[:1])
    sample = data['data_samples'][0]
    logits = torch.randn(3, model.head.low_res_size, model.head.low_res_size)
    assert model.loss_logits(logits, sample).shape == (3, 60, 90)
    targets = model.loss_targets(sample.gt_instances.masks, sample)
    assert targets.shape == (3, 60, 90) and targets.dtype == torch.bool
    assert torch.equal(model.loss_logits(logits, sample) > 0,
                       model.postprocess_masks(logits[:, None], sample)[:, 0] > 0)
    assert torch.equal(targets, torch.from_numpy(sample.gt_instances.masks.to_ndarray() > 0))
    low = _build(loss_resolution='low_res')
    assert low.loss_logits(logits, sample).shape == (3, 43, 64)
    assert low.loss_targets(sample.gt_instances.masks, sample).shape == (3, 43, 64)
    with pytest.raises(ValueError, match='loss_resolution'):
        _build(loss_resolution='full')


@pytest.mark.parametrize('resolution', ['image', 'low_res'])
def test_loss_resolution_sets_the_reachable_accuracy(resolution):
    """Fit free low-res logits to a disc whose edge falls between grid cells.

    Trained at image resolution the fitted logits put the upsampled boundary within a
    pixel (IoU > 0.95); against binarised low-res targets the best answer is the
    staircase of the 2-pixel grid (IoU < 0.9): the cap that stalled the source model.
    """
    model = _build(loss_resolution=resolution)
    sample = DetDataSample(metainfo=dict(img_shape=(128, 128), ori_shape=(128, 128),
                                         scale_factor=(1.0, 1.0)))
    yy, xx = np.mgrid[:128, :128]
    disc = (((yy - 60.3) ** 2 + (xx - 67.6) ** 2) <= 6.7 ** 2)[None].astype(np.uint8)
    targets = model.loss_targets(BitmapMasks(disc, 128, 128), sample)
    logits = torch.zeros(1, 64, 64, requires_grad=True)
    optim = torch.optim.Adam([logits], lr=0.1)
    for _ in range(300):
        optim.zero_grad()
        losses = model.mask_losses(model.loss_logits(logits, sample), torch.ones(1), targets)
        (losses['loss_focal'] + losses['loss_dice']).backward()
        optim.step()
    full = model.postprocess_masks(logits.detach()[:, None], sample)[0, 0] > 0
    gt = torch.from_numpy(disc[0] > 0)
    iou = ((full & gt).sum() / (full | gt).sum()).item()
    if resolution == 'image':
        assert iou > 0.95
    else:
        assert iou < 0.9


def test_predict_shapes_and_consistency(model, batch):
    data = _preprocessed(model, batch)
    with torch.no_grad():
        results = model(**data, mode='predict')
        embeddings = model(data['inputs'], mode='tensor')
    assert embeddings.shape == (3, 64, 16, 16)
    for result, num in zip(results, (3, 2, 1)):
        pred = result.pred_instances
        assert pred.masks.shape == (num, 60, 90) and pred.masks.dtype == torch.bool
        assert pred.scores.shape == (num, )
        assert torch.equal(pred.labels, result.gt_instances.labels)
    # the same as decoding the test prompts by hand and thresholding at 0
    sample = results[0]
    with torch.no_grad():
        logits, iou = model.decode(embeddings[0], model.get_prompts(sample, 'box'))
        expected = model.postprocess_masks(logits, sample)[:, 0] > 0
    assert torch.equal(sample.pred_instances.masks, expected)
    torch.testing.assert_close(sample.pred_instances.scores, iou[:, 0])
    tensors = model(data['inputs'], data['data_samples'], mode='tensor')
    assert [t[0].shape for t in tensors] == [(n, 1, 64, 64) for n in (3, 2, 1)]


def test_predict_multimask_keeps_the_best(batch):
    model = _build(multimask_output=True).eval()
    data = _preprocessed(model, batch[:1])
    with torch.no_grad():
        result = model(**data, mode='predict')[0]
        embedding = model.extract_feat(data['inputs'])[0]
        logits, iou = model.decode(embedding, model.get_prompts(result, 'box'),
                                   multimask_output=True)
    best = iou.argmax(1)
    assert iou.shape == (3, 3)
    torch.testing.assert_close(result.pred_instances.scores, iou[torch.arange(3), best])
    expected = model.postprocess_masks(logits[torch.arange(3), best][:, None], result)
    assert torch.equal(result.pred_instances.masks, expected[:, 0] > 0)


def test_predict_without_instances(model, batch):
    data = _preprocessed(model, batch[:1])
    sample = data['data_samples'][0]
    sample.gt_instances = sample.gt_instances[torch.zeros(0, dtype=torch.long)]
    with torch.no_grad():
        pred = model(**data, mode='predict')[0].pred_instances
    assert pred.masks.shape == (0, 60, 90) and pred.scores.shape == (0, )


def test_test_prompt_type_changes_the_prompts(batch):
    box = _build(test_prompt_type='box').eval()
    point = _build(test_prompt_type='point').eval()
    data = _preprocessed(box, batch[:1])
    with torch.no_grad():
        by_box = box(**data, mode='predict')[0].pred_instances.scores.clone()
        by_point = point(**data, mode='predict')[0].pred_instances.scores
    assert not torch.allclose(by_box, by_point)


def test_prompt_type_list_is_sampled_per_image():
    model = _build(prompt_type=('box', 'point', 'poly'), test_prompt_type='box')
    assert model.prompt_type == ('box', 'point', 'poly')
    assert model.test_prompt_type == 'box'
    np.random.seed(0)
    draws = [model.train_prompt_type() for _ in range(300)]
    counts = {t: draws.count(t) for t in ('box', 'point', 'poly')}
    assert set(draws) == {'box', 'point', 'poly'}
    assert all(60 < c < 140 for c in counts.values()), counts
    np.random.seed(0)
    assert [model.train_prompt_type() for _ in range(300)] == draws  # global numpy seed


def test_prompt_type_errors():
    with pytest.raises(ValueError, match="unknown prompt type 'lasso'"):
        _build(prompt_type='lasso')
    with pytest.raises(ValueError, match="unknown prompt type 'scribble'"):
        _build(test_prompt_type='scribble')
    with pytest.raises(ValueError, match='explicit test_prompt_type'):
        _build(prompt_type=('box', 'point'))
    with pytest.raises(RuntimeError, match='Invalid mode'):
        _build()(torch.zeros(1, 3, 128, 128), mode='nope')
    assert set(PROMPT_TYPES) == {'box', 'point', 'box_point', 'poly', 'poly_box',
                                 'poly_mask'}


def test_trainable_patterns():
    everything = _build(trainable=None)
    assert len(everything.trainable_parameter_names()) == \
        len(list(everything.parameters()))
    decoder = _build(trainable=(r'^head\.mask_decoder\.', ))
    names = decoder.trainable_parameter_names()
    assert names and all(n.startswith('head.mask_decoder.') for n in names)


@pytest.mark.parametrize('chunk', [1, 2])
def test_chunked_losses_equal_the_plain_losses_and_gradients(batch, chunk):
    """loss_chunk_size splits the image-resolution losses by prompt (recomputed in
    backward): the same values and LoRA gradients as all prompts at once."""
    results = []
    for size in (None, chunk):
        model = _build(seed=1, loss_chunk_size=size).train()
        with torch.no_grad():  # a non-zero B, so that every factor gets a gradient
            for name, param in model.named_parameters():
                if '.lora_B' in name:
                    param.normal_(0, 0.05, generator=torch.Generator().manual_seed(2))
        losses = model(**_preprocessed(model, batch), mode='loss')
        sum(losses.values()).backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((losses, grads))
    (plain, plain_grads), (chunked, chunked_grads) = results
    assert set(plain) == set(chunked)
    for key in plain:
        torch.testing.assert_close(chunked[key], plain[key], rtol=1e-5, atol=1e-7)
    assert plain_grads.keys() == chunked_grads.keys() and plain_grads
    for name in plain_grads:
        torch.testing.assert_close(chunked_grads[name], plain_grads[name], rtol=1e-3,
                                   atol=1e-6)


def test_loss_chunk_size_must_be_positive():
    with pytest.raises(ValueError, match='loss_chunk_size'):
        _build(loss_chunk_size=0)
