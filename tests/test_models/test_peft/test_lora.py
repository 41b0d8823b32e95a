"""inject_lora on a small non-SAM network: exact at init, only LoRA trains, merge is exact,
bad targets are named."""
import copy
import math
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn

from mmwesam.models.peft import LoRALinear, inject_lora, lora_modules

DIM = 8
TARGETS = ('attn.qkv:q', 'attn.qkv:v', 'mlp.0')


class ToyAttention(nn.Module):
    """Single-head self-attention with a fused qkv projection (q, k, v stacked)."""

    def __init__(self, dim: int = DIM) -> None:
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
        return self.proj(weights @ v)


def toy_model(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(OrderedDict(
        attn=ToyAttention(), norm=nn.LayerNorm(DIM),
        mlp=nn.Sequential(nn.Linear(DIM, 2 * DIM), nn.GELU(), nn.Linear(2 * DIM, DIM))))


def randomise_lora_b(model: nn.Module, seed: int = 3) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if '.lora_B' in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.5)


@pytest.fixture
def x():
    return torch.randn(2, 5, DIM, generator=torch.Generator().manual_seed(7))


def test_fresh_lora_computes_the_plain_model(x):
    plain = toy_model()
    model = copy.deepcopy(plain)
    qkv_weight = model.attn.qkv.weight
    layers = inject_lora(model, TARGETS, rank=2)
    assert list(layers) == ['attn.qkv', 'mlp.0']
    assert model.attn.qkv is layers['attn.qkv'] and model.mlp[0] is layers['mlp.0']
    assert list(lora_modules(model)) == [layers['attn.qkv'], layers['mlp.0']]
    # q and v of the fused projection share one layer; a plain target adapts all rows
    assert layers['attn.qkv'].slices == {'q': (0, DIM), 'v': (2 * DIM, 3 * DIM)}
    assert layers['mlp.0'].slices == {'all': (0, 2 * DIM)}
    assert model.attn.qkv.weight is qkv_weight  # the original parameter, not a copy
    assert not isinstance(model.attn.proj, LoRALinear)
    assert not isinstance(model.mlp[2], LoRALinear)
    with torch.no_grad():
        assert torch.equal(model(x), plain(x))  # B = 0: not even a rounding difference

    # the plain layers' names are kept: a plain state dict loads, only LoRA is missing
    lora_names = {f'attn.qkv.lora_{ab}_{s}' for ab in 'AB' for s in 'qv'} | \
        {'mlp.0.lora_A_all', 'mlp.0.lora_B_all'}
    assert set(model.state_dict()) == set(plain.state_dict()) | lora_names
    result = model.load_state_dict(toy_model(seed=1).state_dict(), strict=False)
    assert set(result.missing_keys) == lora_names and not result.unexpected_keys
    assert torch.equal(model.attn.qkv.weight, toy_model(seed=1).attn.qkv.weight)


def test_only_lora_trains_and_gets_gradients(x):
    model = toy_model()
    inject_lora(model, TARGETS, rank=2, alpha=4)
    assert model.attn.qkv.scale == 2.0
    # what a config's trainable=(r'\.lora_', ) does (PromptableSAM.set_trainable)
    for name, param in model.named_parameters():
        param.requires_grad_('.lora_' in name)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert set(trainable) == {n for n, _ in model.named_parameters() if '.lora_' in n}
    assert len(trainable) == 6
    assert all(p.requires_grad == (n in trainable) for n, p in model.named_parameters())

    model(x).square().sum().backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(grads[n] is None for n in grads if n not in trainable)
    for name in trainable:
        # with B = 0 the gradient of A (through B) is exactly zero, that of B is not
        if '.lora_B' in name:
            assert grads[name].abs().sum() > 0, name
        else:
            assert torch.count_nonzero(grads[name]) == 0, name

    randomise_lora_b(model)
    model.zero_grad()
    model(x).square().sum().backward()
    for name, param in model.named_parameters():
        if name in trainable:
            assert param.grad.abs().sum() > 0, name


def test_merge_equals_unmerged(x):
    model = toy_model()
    layers = inject_lora(model, TARGETS, rank=2, alpha=3)
    randomise_lora_b(model)
    qkv = layers['attn.qkv']
    weight = qkv.weight.detach().clone()
    with torch.no_grad():
        unmerged = model(x)
        assert (unmerged - toy_model()(x)).abs().max() > 1e-3  # the update does something
        for layer in lora_modules(model):
            layer.merge()
        merged = model(x)
        # hand-computed update: scale * B A on the q rows and the v rows only
        expected = weight.clone()
        expected[:DIM] += 1.5 * qkv.lora_B_q @ qkv.lora_A_q
        expected[2 * DIM:] += 1.5 * qkv.lora_B_v @ qkv.lora_A_v
        torch.testing.assert_close(qkv.weight, expected)
        assert torch.equal(qkv.weight[DIM:2 * DIM], weight[DIM:2 * DIM])
        for layer in lora_modules(model):
            layer.unmerge()
        restored = model(x)
    torch.testing.assert_close(merged, unmerged, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(restored, unmerged, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(qkv.weight, weight, atol=1e-6, rtol=0)


def test_qkv_slice_moves_only_its_rows():
    model = toy_model()
    qkv = inject_lora(model, ('attn.qkv:k', ), rank=2)['attn.qkv']
    inputs = torch.randn(4, DIM, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        before = qkv(inputs)
        qkv.lora_B_k.fill_(0.3)
        after = qkv(inputs)
    assert torch.equal(after[:, :DIM], before[:, :DIM])
    assert torch.equal(after[:, 2 * DIM:], before[:, 2 * DIM:])
    torch.testing.assert_close(after[:, DIM:2 * DIM] - before[:, DIM:2 * DIM],
                               0.3 * (inputs @ qkv.lora_A_k.t()).sum(1, keepdim=True)
                               .expand(4, DIM), atol=1e-5, rtol=1e-5)


def test_bad_targets_are_named_and_change_nothing():
    model = toy_model()
    with pytest.raises(AttributeError, match=r"LoRA target 'attn\.nope' .*nope"):
        inject_lora(model, ('attn.qkv:q', 'attn.nope'), rank=2)
    with pytest.raises(TypeError, match=r"LoRA target 'norm' is a LayerNorm, not nn\.Linear"):
        inject_lora(model, ('mlp.0', 'norm'), rank=2)
    with pytest.raises(ValueError, match=r"unknown LoRA slice 'x' in target 'attn\.qkv:x'"):
        inject_lora(model, ('attn.qkv:x', ), rank=2)
    with pytest.raises(ValueError, match="LoRA target '' names no layer"):
        inject_lora(nn.Linear(DIM, DIM), ('', ), rank=2)
    # every target is checked before any layer is replaced
    assert not list(lora_modules(model))


@pytest.mark.parametrize('input_grad', [True, False])
def test_slice_updates_equal_the_out_of_place_formula(input_grad):
    """The q and v updates are added to the whole output as one zero-padded update: the
    output and every gradient are bit-equal to adding them to slices of the output."""
    model = toy_model()
    qkv = inject_lora(model, ('attn.qkv:q', 'attn.qkv:v'), rank=2)['attn.qkv']
    randomise_lora_b(model)
    inputs = torch.randn(3, 4, DIM, generator=torch.Generator().manual_seed(2))
    grad_out = torch.randn(3, 4, 3 * DIM, generator=torch.Generator().manual_seed(4))
    params = dict(a_q=qkv.lora_A_q, b_q=qkv.lora_B_q, a_v=qkv.lora_A_v, b_v=qkv.lora_B_v)
    copies = {name: p.detach().clone().requires_grad_() for name, p in params.items()}

    x = inputs.clone().requires_grad_(input_grad)
    qkv(x).backward(grad_out)

    x_ref = inputs.clone().requires_grad_(input_grad)
    out = torch.nn.functional.linear(x_ref, qkv.weight.detach(), qkv.bias.detach())
    update_q = (x_ref @ copies['a_q'].t()) @ copies['b_q'].t() * qkv.scale
    update_v = (x_ref @ copies['a_v'].t()) @ copies['b_v'].t() * qkv.scale
    expected = torch.cat([out[..., :DIM] + update_q, out[..., DIM:2 * DIM],
                          out[..., 2 * DIM:] + update_v], dim=-1)
    expected.backward(grad_out)

    assert torch.equal(qkv(inputs), expected)
    for name, param in params.items():
        assert torch.equal(param.grad, copies[name].grad), name
    if input_grad:
        assert torch.equal(x.grad, x_ref.grad)


def test_overlapping_or_outside_slices_are_refused():
    linear = nn.Linear(DIM, 3 * DIM)
    with pytest.raises(ValueError, match=r"'q' and 'all' overlap"):
        LoRALinear(linear, {'q': (0, DIM), 'all': (0, 3 * DIM)}, rank=2)
    with pytest.raises(ValueError, match=r"'v' = \(16, 32\) is not inside the 24 outputs"):
        LoRALinear(linear, {'v': (2 * DIM, 4 * DIM)}, rank=2)
