"""LoRAViT: a fresh low-rank branch changes nothing, merge/unmerge/disable are exact."""
from functools import partial

import pytest
import torch
from mmengine.config import Config

from mmwesam.models.backbones import LoRAViT
from mmwesam.models.backbones.sam_attention import use_attention_impl
from mmwesam.models.peft import LoRALinear, lora_modules
from mmwesam.registry import MODELS
from mmwesam.utils.sam_import import import_sam_modeling
from helpers import TINY_CONFIG

# A very small encoder: 64 px input, patch 8 (8 x 8 grid), 2 blocks of width 32.
ARCH = dict(embed_dim=32, depth=2, num_heads=2, global_attn_indexes=(1, ))
KWARGS = dict(img_size=64, patch_size=8, out_chans=16, window_size=4)


def _lora_vit(seed=0, **lora):
    torch.manual_seed(seed)
    cfg = dict(rank=2, alpha=None, dropout=0.0, targets=('attn.qkv:q', 'attn.qkv:v'))
    cfg.update(lora)
    return LoRAViT(arch=ARCH, lora=cfg, **KWARGS).eval()


def _plain_vit(state):
    encoder = import_sam_modeling().ImageEncoderViT(
        img_size=64, patch_size=8, embed_dim=32, depth=2, num_heads=2, mlp_ratio=4.0,
        out_chans=16, qkv_bias=True, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
        use_rel_pos=True, window_size=4, global_attn_indexes=(1, ))
    encoder.load_state_dict({k: v for k, v in state.items() if '.lora_' not in k})
    # the same attention computation as LoRAViT's default, so that only LoRA can differ
    # (fused vs eager attention: test_sam_attention.py)
    use_attention_impl(encoder, 'fused')
    return encoder.eval()


def _randomise(model, scale=0.05, seed=1, lora_b=True):
    """Random values for the parameters a fresh encoder has at zero (position
    embeddings, relative positions, biases) and, with ``lora_b``, for every B."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            noise = torch.randn(param.shape, generator=generator) * scale
            if '.lora_B' in name:
                if lora_b:
                    param.copy_(noise * 4)
            elif '.lora_A' not in name:
                param.add_(noise)


def _set_lora_b(model, value=0.1, seed=3):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if '.lora_B' in name:
                param.copy_(torch.randn(param.shape, generator=generator) * value)


@pytest.fixture(scope='module')
def image():
    return torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(7))


def test_fresh_lora_equals_plain_encoder(image):
    model = _lora_vit()
    _randomise(model, lora_b=False)
    assert model.pos_embed.abs().sum() > 0
    reference = _plain_vit(model.state_dict())
    with torch.no_grad():
        out, expected = model(image), reference(image)
    assert out.shape == (2, 16, 8, 8)
    assert torch.equal(out, expected)  # B = 0: not even a rounding difference
    for layer in lora_modules(model):
        for name in layer.slices:
            assert torch.count_nonzero(getattr(layer, f'lora_B_{name}')) == 0
            assert torch.count_nonzero(getattr(layer, f'lora_A_{name}')) > 0


def test_lora_changes_output_and_disable_restores_source(image):
    model = _lora_vit()
    _randomise(model, lora_b=False)
    with torch.no_grad():
        source = model(image)
        _set_lora_b(model)
        adapted = model(image)
        with model.lora_disabled():
            disabled = model(image)
            assert all(not m.lora_enabled for m in lora_modules(model))
        again = model(image)
    assert (adapted - source).abs().max() > 1e-3
    assert torch.equal(disabled, source)
    assert torch.equal(again, adapted)  # switched back on after the block
    assert all(m.lora_enabled for m in lora_modules(model))


def test_lora_disabled_restores_flags_after_error():
    model = _lora_vit()
    with pytest.raises(KeyError):
        with model.lora_disabled():
            raise KeyError('boom')
    assert all(m.lora_enabled for m in lora_modules(model))


def test_merge_unmerge(image):
    model = _lora_vit()
    _randomise(model)
    weights = {n: m.weight.detach().clone() for n, m in model.named_modules()
               if isinstance(m, LoRALinear)}
    with torch.no_grad():
        unmerged = model(image)
        model.merge()
        assert all(m.merged for m in lora_modules(model))
        merged = model(image)
        for name, module in model.named_modules():
            if isinstance(module, LoRALinear):
                assert not torch.allclose(module.weight, weights[name])
        with pytest.raises(RuntimeError, match='unmerge'):
            with model.lora_disabled():
                model(image)
        model.merge()  # a second merge must not add the update twice
        assert torch.allclose(model(image), merged, atol=1e-6)
        model.unmerge()
        restored = model(image)
    torch.testing.assert_close(merged, unmerged, atol=1e-5, rtol=1e-5)
    for name, module in model.named_modules():
        if isinstance(module, LoRALinear):
            assert not module.merged
            torch.testing.assert_close(module.weight, weights[name], atol=1e-6, rtol=0)
    torch.testing.assert_close(restored, unmerged, atol=1e-5, rtol=1e-5)


def test_merged_state_dict(image):
    model = _lora_vit()
    _randomise(model)
    state = model.merged_state_dict()
    assert not [k for k in state if 'lora' in k]
    assert set(state) == {k for k in model.state_dict() if '.lora_' not in k}
    qkv = model.blocks[0].attn.qkv
    # hand-computed update: scale * B A on the q rows and the v rows only
    width = 32
    expected = qkv.weight.detach().clone()
    expected[:width] += qkv.scale * qkv.lora_B_q.detach() @ qkv.lora_A_q.detach()
    expected[2 * width:] += qkv.scale * qkv.lora_B_v.detach() @ qkv.lora_A_v.detach()
    torch.testing.assert_close(state['blocks.0.attn.qkv.weight'], expected)
    assert torch.equal(state['blocks.0.attn.qkv.weight'][width:2 * width],
                       qkv.weight[width:2 * width])
    assert torch.equal(state['blocks.0.mlp.lin1.weight'], model.blocks[0].mlp.lin1.weight)
    # the merged weights in a plain encoder compute what the adapted one does
    with torch.no_grad():
        torch.testing.assert_close(_plain_vit(state)(image), model(image), atol=1e-5,
                                   rtol=1e-5)
    # merged_state_dict of an already merged model is its state without LoRA factors
    model.merge()
    merged_state = model.merged_state_dict()
    for key, value in merged_state.items():
        torch.testing.assert_close(value, state[key], atol=1e-6, rtol=0)


def test_scale_uses_alpha():
    model = _lora_vit(rank=2, alpha=8)
    assert model.blocks[0].attn.qkv.scale == 4.0
    assert model.blocks[0].attn.qkv.rank == 2


def test_targets_build_the_right_slices():
    model = _lora_vit(targets=('attn.qkv:k', 'mlp.lin1'))
    for block in model.blocks:
        qkv, lin1 = block.attn.qkv, block.mlp.lin1
        assert isinstance(qkv, LoRALinear) and isinstance(lin1, LoRALinear)
        assert qkv.slices == {'k': (32, 64)}
        assert lin1.slices == {'all': (0, 128)}
        assert qkv.lora_A_k.shape == (2, 32) and qkv.lora_B_k.shape == (32, 2)
        assert lin1.lora_A_all.shape == (2, 32) and lin1.lora_B_all.shape == (128, 2)
        assert not isinstance(block.attn.proj, LoRALinear)
        assert not isinstance(block.mlp.lin2, LoRALinear)
    names = {n for n, _ in model.named_parameters() if '.lora_' in n}
    assert names == {f'blocks.{i}.{p}.lora_{ab}_{s}' for i in range(2) for ab in 'AB'
                     for p, s in (('attn.qkv', 'k'), ('mlp.lin1', 'all'))}
    assert {id(p) for p in model.lora_parameters()} == \
        {id(p) for n, p in model.named_parameters() if n in names}

    # only the k third of the fused qkv output moves when B_k is set
    qkv = model.blocks[0].attn.qkv
    x = torch.randn(5, 32)
    with torch.no_grad():
        before = qkv(x)
        qkv.lora_B_k.fill_(0.3)
        after = qkv(x)
    assert torch.equal(after[:, :32], before[:, :32])
    assert torch.equal(after[:, 64:], before[:, 64:])
    torch.testing.assert_close(after[:, 32:64] - before[:, 32:64],
                               0.3 * (x @ qkv.lora_A_k.t()).sum(1, keepdim=True)
                               .expand(5, 32), atol=1e-5, rtol=1e-5)


def test_q_and_v_on_one_layer_are_merged_into_one_module():
    model = _lora_vit()
    qkv = model.blocks[1].attn.qkv
    assert qkv.slices == {'q': (0, 32), 'v': (64, 96)}
    assert len(list(lora_modules(model))) == 2  # one LoRALinear per block


def test_no_lora_builds_the_plain_encoder(image):
    torch.manual_seed(0)
    model = LoRAViT(arch=ARCH, lora=None, **KWARGS).eval()
    _randomise(model)
    assert not list(lora_modules(model)) and model.lora_parameters() == []
    with torch.no_grad():
        assert torch.equal(model(image), _plain_vit(model.state_dict())(image))


def test_bad_targets_raise_clear_errors():
    with pytest.raises(ValueError, match=r"unknown LoRA slice 'x'.*attn\.qkv:x"):
        _lora_vit(targets=('attn.qkv:x', ))
    with pytest.raises(TypeError, match=r"'attn'.*not nn\.Linear"):
        _lora_vit(targets=('attn', ))
    with pytest.raises(AttributeError, match='nope'):
        _lora_vit(targets=('attn.nope', ))
    with pytest.raises(ValueError, match="unknown arch 'vit_x'"):
        LoRAViT(arch='vit_x', **KWARGS)


def test_only_lora_trains_in_promptable_sam_by_default():
    cfg = Config.fromfile(TINY_CONFIG)
    model = MODELS.build(cfg.model)
    names = model.trainable_parameter_names()
    # 6 blocks x (q, v) x (A, B)
    assert len(names) == 24
    assert all('.lora_' in n and n.startswith('backbone.blocks.') for n in names)
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen and not [n for n in frozen if '.lora_' in n]
    assert any(n.startswith('head.mask_decoder.') for n in frozen)


def test_merge_in_eval_predicts_with_folded_weights(image):
    """Eval without autograd runs W + BA in one matmul; training and the weights stay."""
    model = _lora_vit()
    _randomise(model)
    layers = list(lora_modules(model))
    weights = [m.weight.detach().clone() for m in layers]
    with torch.no_grad():
        for layer in layers:
            layer.merge_in_eval = False
        branch = model(image)
        for layer in layers:
            layer.merge_in_eval = True
        folded = model(image)
    assert not torch.equal(folded, branch)  # really another computation
    torch.testing.assert_close(folded, branch, atol=1e-5, rtol=1e-5)
    assert all(torch.equal(m.weight, w) for m, w in zip(layers, weights))
    # with autograd on (training, or a gradient through eval) the branch is used
    model.train()
    out = model(image)
    out.sum().backward()
    assert all(m.lora_B_q.grad is not None for m in layers)


def test_merge_lora_in_eval_is_a_config_field(image):
    on = _lora_vit()
    assert all(m.merge_in_eval for m in lora_modules(on))
    torch.manual_seed(0)
    off = LoRAViT(arch=ARCH, lora=dict(rank=2), merge_lora_in_eval=False, **KWARGS)
    assert not any(m.merge_in_eval for m in lora_modules(off))
    # a fresh branch (B = 0) folds to exactly the source weight: bit-equal outputs
    off.load_state_dict(on.state_dict())
    with torch.no_grad():
        assert torch.equal(on.eval()(image), off.eval()(image))


def test_late_lora_blocks_and_frozen_prefix():
    arch = dict(embed_dim=32, depth=4, num_heads=2, global_attn_indexes=(1, 3))
    torch.manual_seed(0)
    model = LoRAViT(arch=arch, lora=dict(rank=2, blocks=[-2, 3]), **KWARGS)
    adapted = [i for i, block in enumerate(model.blocks)
               if next(lora_modules(block), None) is not None]
    assert adapted == [2, 3]
    for param in model.parameters():
        param.requires_grad = False
    assert model.frozen_prefix_depth() == 2
    model.blocks[1].norm1.weight.requires_grad = True  # something trains in block 1
    assert model.frozen_prefix_depth() == 1
    model.patch_embed.proj.weight.requires_grad = True
    assert model.frozen_prefix_depth() == 0
    # the split forward is the forward
    image = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        whole = model(image)
        for depth in range(5):
            assert torch.equal(model.forward_from(model.forward_prefix(image, depth), depth),
                               whole)
    with pytest.raises(ValueError, match='lora.blocks'):
        LoRAViT(arch=arch, lora=dict(rank=2, blocks=[4]), **KWARGS)


def test_residual_stream_is_contiguous_and_exact(image):
    """The tokens are made contiguous after the patch embedding (segment_anything keeps
    them channels-first in memory, a copy at every LayerNorm): every block then sees and
    returns contiguous tokens, and output and input gradient stay bit-equal to
    segment_anything's own encoder."""
    torch.manual_seed(0)
    model = LoRAViT(arch=ARCH, lora=None, attn_impl='eager', **KWARGS)
    _randomise(model)
    layouts = []
    for block in model.blocks:
        block.register_forward_hook(
            lambda module, args, out: layouts.append((args[0].is_contiguous(),
                                                      out.is_contiguous())))
    reference = _plain_vit(model.state_dict())
    use_attention_impl(reference, 'eager')
    x, x_ref = image.clone().requires_grad_(), image.clone().requires_grad_()
    out, expected = model(x), reference(x_ref)
    grad = torch.randn(out.shape, generator=torch.Generator().manual_seed(5))
    out.backward(grad)
    expected.backward(grad)
    assert layouts == [(True, True)] * len(model.blocks)
    assert torch.equal(out, expected)
    assert torch.equal(x.grad, x_ref.grad)
