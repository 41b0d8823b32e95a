"""Checkpoint loading: official SAM layout, mmengine checkpoints, loud mismatches."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer

from mmwesam.models.utils import (OFFICIAL_PREFIXES, load_sam_state_dict, read_checkpoint,
                                  to_official_state_dict)
from mmwesam.models.utils.sam_checkpoint import CheckpointMismatchError
from mmwesam.registry import MODELS
from helpers import TINY_CONFIG, TINY_ENCODER, TINY_HEAD, build_official_sam


def _build(seed=0, **overrides):
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.update(overrides)
    torch.manual_seed(seed)
    return MODELS.build(cfg.model).eval()


@pytest.fixture(scope='module')
def inputs():
    g = torch.Generator().manual_seed(0)
    return dict(image=torch.randn(1, 3, 128, 128, generator=g),
                boxes=torch.tensor([[10., 20., 80., 90.], [0., 0., 128., 100.]]))


def _outputs(model, inputs):
    with torch.no_grad():
        embedding = model.extract_feat(inputs['image'])[0]
        logits, iou = model.decode(embedding, dict(boxes=inputs['boxes']))
    return embedding, logits, iou


def _adapted(seed=1):
    """A tiny PromptableSAM with every parameter random, its LoRA branch not zero.

    (A fresh one has zero position embeddings, relative positions and biases: a
    round trip that lost them would go unnoticed.)
    """
    model = _build(seed=seed)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            noise = torch.randn(param.shape, generator=g) * 0.02
            if '.lora_B' in name:
                param.copy_(noise * 2.5)
            else:
                param.add_(noise)
    return model


def test_official_layout_round_trip(tmp_path, inputs):
    source = _adapted()
    official = to_official_state_dict(source)
    assert not [k for k in official if 'lora' in k]
    assert {k.split('.')[0] for k in official} == {'image_encoder', 'prompt_encoder',
                                                   'mask_decoder'}
    # the official Sam of segment_anything accepts these weights as they are
    reference = build_official_sam(TINY_ENCODER, TINY_HEAD)
    reference.load_state_dict(official)
    path = tmp_path / 'official.pth'
    torch.save(official, path)

    fresh = _build(seed=2)
    assert not torch.equal(fresh.backbone.pos_embed, source.backbone.pos_embed)
    assert source.backbone.blocks[0].attn.rel_pos_h.abs().sum() > 0
    optional = load_sam_state_dict(fresh, str(path))
    assert optional and all('.lora_' in k for k in optional)
    assert len(optional) == 24  # 6 blocks x (q, v) x (A, B), left as built
    assert all(torch.count_nonzero(p) == 0 for n, p in fresh.named_parameters()
               if '.lora_B' in n)

    loaded = _outputs(fresh, inputs)
    unmerged = _outputs(source, inputs)
    for ours, theirs in zip(loaded, unmerged):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)
    source.backbone.merge()  # the same weights exactly: the same outputs exactly
    for ours, theirs in zip(loaded, _outputs(source, inputs)):
        assert torch.equal(ours, theirs)
    with torch.no_grad():  # and segment_anything's encoder computes the same embedding
        # (up to float summation order: ours runs the fused attention)
        torch.testing.assert_close(reference.image_encoder(inputs['image'])[0], loaded[0],
                                   atol=1e-5, rtol=1e-5)


def test_official_keys_map_to_model_names(tmp_path):
    model = _build()
    state = build_official_sam(TINY_ENCODER, TINY_HEAD, seed=3).state_dict()
    path = tmp_path / 'official.pth'
    torch.save(state, path)
    load_sam_state_dict(model, str(path))
    own = model.state_dict()
    for key, value in state.items():
        prefix = next(p for p in OFFICIAL_PREFIXES if key.startswith(p))
        assert torch.equal(own[OFFICIAL_PREFIXES[prefix] + key[len(prefix):]], value)


def test_pixel_mean_and_std_are_ignored(tmp_path):
    state = to_official_state_dict(_adapted(seed=11))
    state['pixel_mean'] = torch.tensor([1., 2., 3.]).view(3, 1, 1)
    state['pixel_std'] = torch.tensor([4., 5., 6.]).view(3, 1, 1)
    path = tmp_path / 'with_pixel_stats.pth'
    torch.save(state, path)
    model = _build(seed=5)
    load_sam_state_dict(model, str(path))
    assert torch.equal(model.backbone.pos_embed, state['image_encoder.pos_embed'])
    # the preprocessor keeps its own (config) statistics
    torch.testing.assert_close(model.data_preprocessor.mean.view(3),
                               torch.tensor([123.675, 116.28, 103.53]))


def test_vit_size_mismatch_lists_every_problem(tmp_path):
    smaller = dict(TINY_ENCODER, embed_dim=96, depth=4, global_attn_indexes=(1, 3))
    state = build_official_sam(smaller, TINY_HEAD).state_dict()
    state['image_encoder.extra.weight'] = torch.zeros(2)
    path = tmp_path / 'vit_small.pth'
    torch.save(state, path)
    model = _build()
    before = model.backbone.pos_embed.clone()
    with pytest.raises(CheckpointMismatchError) as error:
        load_sam_state_dict(model, str(path))
    message = str(error.value)
    assert str(path) in message and 'does not fit the model' in message
    assert 'missing keys: backbone.blocks.4.' in message  # 6 blocks vs 4
    assert 'backbone.blocks.5.' in message
    assert 'unexpected keys: backbone.extra.weight' in message
    assert 'shape mismatches: ' in message
    assert 'backbone.pos_embed: checkpoint (1, 16, 16, 96) vs model (1, 16, 16, 128)' \
        in message
    assert '.lora_' not in message  # LoRA factors may be missing
    assert 'in all)' in message  # long lists are cut with a count
    assert torch.equal(model.backbone.pos_embed, before)  # nothing was loaded


def test_missing_lora_is_an_error_when_not_allowed(tmp_path):
    path = tmp_path / 'official.pth'
    torch.save(to_official_state_dict(_build()), path)
    with pytest.raises(CheckpointMismatchError, match=r'missing keys: backbone\.blocks\.0'
                       r'\.attn\.qkv\.lora_A_q'):
        load_sam_state_dict(_build(), str(path), allow_missing=None)


def test_mmengine_checkpoint_loads(tmp_path, inputs):
    source = _adapted(seed=4)
    buffer = HistoryBuffer()
    buffer.update(0.5)
    buffer.update(1.5)
    checkpoint = dict(
        meta=dict(seed=np.int64(0), iter=4, hist=np.arange(3), lr=np.float64(1e-4)),
        message_hub=dict(log_scalars={'train/loss': buffer}),
        state_dict={'module.' + k: v for k, v in source.state_dict().items()})
    path = tmp_path / 'iter_4.pth'
    torch.save(checkpoint, path)
    assert read_checkpoint(str(path)).keys() == source.state_dict().keys()
    model = _build(seed=6)
    assert load_sam_state_dict(model, str(path)) == []  # LoRA factors are in the file
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    for ours, theirs in zip(_outputs(model, inputs), _outputs(source, inputs)):
        assert torch.equal(ours, theirs)


def test_wrapped_segmentor_checkpoint_loads(tmp_path):
    """Keys of a model that holds the PromptableSAM as ``segmentor``."""
    source = _adapted(seed=7)
    state = {'segmentor.' + k: v for k, v in source.state_dict().items()}
    path = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=state, meta={}), path)
    model = _build(seed=8)
    load_sam_state_dict(model, str(path))
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='checkpoint file not found: .*nope.pth'):
        read_checkpoint(str(tmp_path / 'nope.pth'))
    path = tmp_path / 'list.pth'
    torch.save([torch.zeros(1)], path)
    with pytest.raises(CheckpointMismatchError, match='got list'):
        read_checkpoint(str(path))


class _NotATensor:
    """A pickled object that weights_only loading refuses (code would have to run)."""


@pytest.mark.parametrize('kind,message', [
    ('empty', r'empty.pth: the file is empty \(0 bytes\)'),
    ('truncated', r'truncated.pth: not a readable PyTorch checkpoint'),
    ('text', r'text.pth: not a (readable PyTorch checkpoint|file of tensors)'),
    ('object', r'object.pth: not a file of tensors that loads safely'),
])
def test_corrupt_or_foreign_files_are_named(tmp_path, kind, message):
    path = tmp_path / f'{kind}.pth'
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'truncated':
        torch.save({'image_encoder.x': torch.zeros(1000)}, path)
        path.write_bytes(path.read_bytes()[:300])
    elif kind == 'text':
        path.write_text('<html>404 not found</html>')
    else:
        torch.save({'meta': _NotATensor()}, path)
    with pytest.raises(CheckpointMismatchError, match=message) as error:
        read_checkpoint(str(path))
    assert 'weights_only=False' not in str(error.value)  # no advice to run its code


def test_resume_problem_names_sam_weights_and_accepts_training_checkpoints(tmp_path):
    from mmwesam.utils.check_inputs import resume_problem
    official = tmp_path / 'sam.pth'
    torch.save(build_official_sam(TINY_ENCODER, TINY_HEAD).state_dict(), official)
    assert resume_problem(str(official)).startswith('official SAM weights. --resume ')
    training = tmp_path / 'iter_2.pth'
    torch.save(dict(meta=dict(iter=2), state_dict={}, optimizer={}), training)
    assert resume_problem(str(training)) is None
    (tmp_path / 'empty.pth').write_bytes(b'')
    assert resume_problem(str(tmp_path / 'empty.pth')).startswith('not a readable')


def test_init_cfg_pretrained_loads(tmp_path):
    source = _adapted(seed=9)
    path = tmp_path / 'pretrained.pth'
    torch.save(to_official_state_dict(source), path)
    model = _build(seed=10, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    source.backbone.merge()
    assert torch.equal(model.backbone.blocks[0].attn.qkv.weight,
                       source.backbone.blocks[0].attn.qkv.weight)
