"""The fused encoder attention equals segment_anything's eager one (outputs, masks' inputs,
LoRA gradients), windowed and global, square or not, with and without padding; the
compact CPU path is bit-equal to SDPA's autograd and keeps less; the biased CPU path (wide
grids) equals the eager attention and keeps less than the compact one; block
checkpointing (all recomputed, or the attention kept) changes no gradient."""
import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils._python_dispatch import TorchDispatchMode

from mmwesam.models.backbones import LoRAViT, sam_attention
from mmwesam.models.backbones.lora_vit import _ATTENTION_OPS
from mmwesam.models.backbones.sam_attention import (SAMAttention, fused_rel_pos_attention,
                                                    use_attention_impl)
from mmwesam.utils.sam_import import import_sam_modeling

LORA = dict(rank=2, alpha=None, dropout=0.0, targets=('attn.qkv:q', 'attn.qkv:v'))


def _randomised(model, seed=1, scale=0.2):
    """Non-zero values where a fresh encoder has zeros (relative positions, LoRA B, ...)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn(param.shape, generator=generator) * scale)
    return model


@pytest.mark.parametrize('height,width', [(4, 4), (6, 9), (14, 14)])
def test_fused_function_equals_eager_attention(height, width):
    torch.manual_seed(0)
    eager = import_sam_modeling().image_encoder.Attention(
        48, num_heads=3, use_rel_pos=True, input_size=(height, width))
    _randomised(eager)
    x = torch.randn(2, height, width, 48)
    expected = eager(x)
    batch = x.shape[0]
    qkv = eager.qkv(x).reshape(batch, height * width, 3, 3, -1).permute(2, 0, 3, 1, 4)
    out = fused_rel_pos_attention(*qkv.unbind(0), eager.rel_pos_h, eager.rel_pos_w,
                                  eager.scale, (height, width))
    out = eager.proj(out.reshape(batch, height, width, -1))
    assert (out - expected).abs().max() <= 1e-5


def _attention_inputs(batch, heads, height, width, dim, seed=0):
    generator = torch.Generator().manual_seed(seed)
    qkv = [torch.randn(batch, heads, height * width, dim, generator=generator)
           for _ in range(3)]
    tables = [torch.randn(2 * n - 1, dim, generator=generator) * 0.3 for n in (height, width)]
    return qkv, tables


def _run_fused(qkv, tables, size, grad, query_chunk=64):
    """Output and gradients of q, k, v, tables; the saved tensors' bytes (unique storages)."""
    qkv = [t.clone().requires_grad_() for t in qkv]
    tables = [t.clone().requires_grad_() for t in tables]
    storages = {}

    def pack(tensor):
        storages[tensor.untyped_storage().data_ptr()] = tensor.untyped_storage().nbytes()
        return tensor
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = fused_rel_pos_attention(*qkv, *tables, qkv[0].shape[-1] ** -0.5, size,
                                      query_chunk=query_chunk)
    out.backward(grad.to(out.dtype))  # (under autocast the output is bfloat16)
    return out.detach(), [t.grad for t in qkv + tables], sum(storages.values()), out.grad_fn


# narrow grids (H + W <= C, where the compact path runs): rectangular, and windows with a
# batch of many
@pytest.mark.parametrize('batch,heads,height,width,dim', [(2, 3, 6, 5, 16),
                                                          (18, 2, 7, 7, 16)])
def test_compact_flash_attention_is_bit_equal_and_keeps_less(monkeypatch, batch, heads,
                                                             height, width, dim):
    qkv, tables = _attention_inputs(batch, heads, height, width, dim)
    grad = torch.randn(batch, height * width, heads * dim,
                       generator=torch.Generator().manual_seed(5))
    out, grads, saved, grad_fn = _run_fused(qkv, tables, (height, width), grad)
    assert type(grad_fn).__name__ == 'CompactFlashAttentionBackward'
    monkeypatch.setattr(sam_attention, '_compact_applies', lambda *args: False)
    plain_out, plain_grads, plain_saved, plain_fn = _run_fused(qkv, tables, (height, width),
                                                               grad)
    assert type(plain_fn).__name__ != 'CompactFlashAttentionBackward'
    # the same kernels on the same values: bit-equal output and q, k, v gradients
    assert torch.equal(out, plain_out)
    for mine, plain in zip(grads[:3], plain_grads[:3]):
        assert torch.equal(mine, plain)
    # the tables' gradients accumulate through index_put, whose order varies from run to
    # run in either path: equal up to summation order
    for mine, plain in zip(grads[3:], plain_grads[3:]):
        torch.testing.assert_close(mine, plain, rtol=1e-5, atol=1e-5)
    # SDPA's autograd keeps k', v' and the output at the widened size, the compact path at
    # the head size: 3 tensors of (C + H + W) -> C floats
    tokens, wide = height * width, dim + height + width
    narrow_bytes = 3 * batch * heads * tokens * dim * 4
    assert plain_saved - saved == 3 * batch * heads * tokens * wide * 4 - narrow_bytes


def _eager_attention(q, k, v, rel_pos_h, rel_pos_w, size):
    """segment_anything's computation: the (B * heads, N, N) logits with the bias added."""
    batch, heads, tokens, dim = q.shape
    q, k, v = (t.reshape(batch * heads, tokens, dim) for t in (q, k, v))
    logits = (q * dim ** -0.5) @ k.transpose(-2, -1)
    logits = import_sam_modeling().image_encoder.add_decomposed_rel_pos(
        logits, q, rel_pos_h, rel_pos_w, size, size)
    out = (logits.softmax(dim=-1) @ v).view(batch, heads, tokens, dim)
    return out.transpose(1, 2).reshape(batch, tokens, heads * dim)


# wide grids (H + W > C): rectangular with blocks of query rows that do not divide N, a
# block larger than N, one that divides it
@pytest.mark.parametrize('batch,heads,height,width,dim,chunk', [(2, 3, 12, 10, 16, 7),
                                                                (1, 2, 5, 9, 8, 64),
                                                                (3, 2, 6, 6, 4, 12)])
def test_biased_attention_equals_eager_and_keeps_less_than_compact(
        monkeypatch, batch, heads, height, width, dim, chunk):
    qkv, tables = _attention_inputs(batch, heads, height, width, dim)
    grad = torch.randn(batch, height * width, heads * dim,
                       generator=torch.Generator().manual_seed(5))
    size = (height, width)
    leaves = [t.clone().requires_grad_() for t in qkv + tables]
    expected = _eager_attention(*leaves, size)
    expected.backward(grad)

    out, grads, saved, grad_fn = _run_fused(qkv, tables, size, grad, query_chunk=chunk)
    assert type(grad_fn).__name__ == 'BiasedAttentionBackward'
    assert (out - expected).abs().max() <= 1e-5
    for mine, leaf in zip(grads, leaves):
        torch.testing.assert_close(mine, leaf.grad, rtol=1e-5, atol=1e-5)
    with torch.no_grad():  # the same kernel calls without autograd
        assert torch.equal(fused_rel_pos_attention(*qkv, *tables, dim ** -0.5, size,
                                                   query_chunk=chunk), out)
    # kept: q, k, v and the merged output (head size), the logsumexp, get_rel_pos's
    # (H, H, C), (W, W, C) tables and its int64 (H, H), (W, W) indices; nothing N-wide
    tokens, squares = height * width, height ** 2 + width ** 2
    assert saved == 4 * (4 * batch * heads * tokens * dim + batch * heads * tokens
                         + squares * dim) + 8 * squares
    monkeypatch.setattr(sam_attention, '_biased_applies', lambda *args: False)
    compact = _run_fused(qkv, tables, size, grad)
    assert type(compact[3]).__name__ == 'CompactFlashAttentionBackward'
    assert saved < compact[2]
    torch.testing.assert_close(out, compact[0], rtol=0, atol=1e-5)


def _grad_fn_name(inputs, size, dtype=torch.float32):
    qkv, tables = ([t.to(dtype) for t in part] for part in inputs)
    grad = torch.ones(1, size[0] * size[1], qkv[0].shape[1] * qkv[0].shape[-1], dtype=dtype)
    return type(_run_fused(qkv, tables, size, grad)[3]).__name__


def test_biased_attention_only_on_wide_grids_in_float32():
    wide, narrow = _attention_inputs(1, 2, 6, 6, 8), _attention_inputs(1, 2, 3, 4, 8)
    assert _grad_fn_name(wide, (6, 6)) == 'BiasedAttentionBackward'  # 6 + 6 > 8
    assert _grad_fn_name(narrow, (3, 4)) == 'CompactFlashAttentionBackward'  # 3 + 4 <= 8
    assert _grad_fn_name(wide, (6, 6), torch.float64) == 'CompactFlashAttentionBackward'
    cpu_kernels = ('BiasedAttentionBackward', 'CompactFlashAttentionBackward')
    with torch.autocast('cpu', dtype=torch.bfloat16):  # SDPA casts: its own autograd
        assert _grad_fn_name(wide, (6, 6)) not in cpu_kernels
    with sdpa_kernel([SDPBackend.MATH]):  # flash switched off by the user: respected
        assert _grad_fn_name(wide, (6, 6)) not in cpu_kernels


def test_compact_path_leaves_encoder_training_bit_equal(monkeypatch):
    """Windows with padding and a global block: the LoRA gradients do not change."""
    arch = dict(embed_dim=32, depth=3, num_heads=2, global_attn_indexes=(1, ))
    image = torch.randn(2, 3, 80, 80, generator=torch.Generator().manual_seed(3))
    grads = []
    for compact in (True, False):
        if not compact:
            monkeypatch.setattr(sam_attention, '_compact_applies', lambda *args: False)
        torch.manual_seed(0)
        encoder = _randomised(LoRAViT(arch=arch, img_size=80, patch_size=8, out_chans=16,
                                      window_size=4, lora=LORA))
        for name, param in encoder.named_parameters():
            param.requires_grad_('.lora_' in name)
        encoder(image).square().sum().backward()
        grads.append({n: p.grad for n, p in encoder.named_parameters() if p.requires_grad})
    assert grads[0] and set(grads[0]) == set(grads[1])
    for name, grad in grads[0].items():
        assert torch.equal(grad, grads[1][name]), name


def test_compact_flash_attention_only_where_sdpa_runs_flash():
    qkv, tables = _attention_inputs(1, 2, 4, 4, 8)
    size = (4, 4)
    grad = torch.ones(1, 16, 16)
    assert type(_run_fused(qkv, tables, size, grad)[3]).__name__ == \
        'CompactFlashAttentionBackward'
    with torch.autocast('cpu', dtype=torch.bfloat16):  # SDPA casts: its own autograd
        assert type(_run_fused(qkv, tables, size, grad)[3]).__name__ != \
            'CompactFlashAttentionBackward'
    with sdpa_kernel([SDPBackend.MATH]):  # flash switched off by the user: respected
        assert type(_run_fused(qkv, tables, size, grad)[3]).__name__ != \
            'CompactFlashAttentionBackward'
    with torch.no_grad():  # nothing to keep: SDPA as it is
        out = fused_rel_pos_attention(*qkv, *tables, 8 ** -0.5, size)
    assert out.grad_fn is None and out.shape == (1, 16, 16)


def test_use_attention_impl_keeps_parameters_and_refuses_unknown():
    torch.manual_seed(0)
    attn = import_sam_modeling().image_encoder.Attention(32, 2, use_rel_pos=True,
                                                         input_size=(4, 4))
    names = [n for n, _ in attn.named_parameters()]
    assert use_attention_impl(attn, 'fused') == 1
    assert isinstance(attn, SAMAttention) and attn.impl == 'fused'
    assert [n for n, _ in attn.named_parameters()] == names
    with pytest.raises(ValueError, match="'flash'"):
        use_attention_impl(attn, 'flash')
    with pytest.raises(ValueError, match='query_chunk'):
        use_attention_impl(attn, 'fused', query_chunk=0)


# img 64 / patch 8: an 8 x 8 grid, windows of 4 tile it; img 80: 10 x 10, windows of 4 pad
# it to 12 x 12 (SAM pads, attends, crops); img 72 with windows of 3: 9 x 9, no padding
@pytest.mark.parametrize('img_size,window', [(64, 4), (80, 4), (72, 3)])
def test_fused_encoder_equals_eager_encoder_outputs_and_lora_grads(img_size, window):
    arch = dict(embed_dim=32, depth=3, num_heads=2, global_attn_indexes=(1, ))
    encoders = {}
    for impl in ('eager', 'fused'):
        torch.manual_seed(0)
        # blocks of 7 query rows: the wide global grids (10 x 10, 9 x 9 > C = 16) run
        # BiasedAttention over several uneven blocks
        encoders[impl] = _randomised(LoRAViT(arch=arch, img_size=img_size, patch_size=8,
                                             out_chans=16, window_size=window, lora=LORA,
                                             attn_impl=impl, attn_query_chunk=7))
    assert encoders['fused'].blocks[1].attn.impl == 'fused'
    image = torch.randn(2, 3, img_size, img_size, generator=torch.Generator().manual_seed(3))
    outputs, grads = {}, {}
    for impl, encoder in encoders.items():
        out = encoder(image)
        (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
        outputs[impl] = out.detach()
        grads[impl] = {n: p.grad for n, p in encoder.named_parameters() if '.lora_' in n}
    assert (outputs['fused'] - outputs['eager']).abs().max() <= 1e-4
    assert grads['eager'] and set(grads['eager']) == set(grads['fused'])
    for name, eager in grads['eager'].items():
        relative = (grads['fused'][name] - eager).norm() / eager.norm()
        assert relative <= 1e-3, (name, relative)


class _CountAttention(TorchDispatchMode):
    """Counts the attention kernel's forward calls (the recomputations in backward)."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in _ATTENTION_OPS:
            self.calls += 1
        return func(*args, **(kwargs or {}))


# 2 heads: every block runs one kernel call (compact path); 4 heads (C = 8 < 8 + 8): the
# global block is wide and runs BiasedAttention, 3 blocks of 24 of its 64 query rows
@pytest.mark.parametrize('heads,global_calls', [(2, 1), (4, 3)])
def test_checkpointed_blocks_give_identical_gradients(heads, global_calls):
    arch = dict(embed_dim=32, depth=3, num_heads=heads, global_attn_indexes=(1, ))
    grads, recomputed = {}, {}
    for blocks, policy in ((False, 'all'), (True, 'all'), ((0, 2), 'all'),
                           (True, 'keep_attention')):
        torch.manual_seed(0)
        encoder = _randomised(LoRAViT(arch=arch, img_size=64, patch_size=8, out_chans=16,
                                      window_size=4, lora=LORA, checkpoint_blocks=blocks,
                                      checkpoint_policy=policy, attn_query_chunk=24))
        # a frozen encoder but for LoRA: the first block's input has no grad, the case in
        # which reentrant checkpointing would drop the LoRA gradients
        for name, param in encoder.named_parameters():
            param.requires_grad_('.lora_' in name)
        image = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(3))
        loss = encoder(image).square().sum()
        with _CountAttention() as counter:
            loss.backward()
        key = f'{blocks}/{policy}'
        recomputed[key] = counter.calls
        grads[key] = {n: p.grad.clone() for n, p in encoder.named_parameters()
                      if p.requires_grad}
    plain = grads['False/all']
    assert all(g.abs().sum() > 0 for g in plain.values())
    for other in ('True/all', '(0, 2)/all', 'True/keep_attention'):
        assert set(grads[other]) == set(plain)
        for name, grad in plain.items():
            torch.testing.assert_close(grads[other][name], grad, rtol=0, atol=1e-7)
    # every checkpointed block reruns its attention in backward, unless it is kept
    assert recomputed == {'False/all': 0, 'True/all': 2 + global_calls, '(0, 2)/all': 2,
                          'True/keep_attention': 0}


def test_checkpoint_policy_is_checked():
    with pytest.raises(ValueError, match='checkpoint_policy'):
        LoRAViT(arch=dict(embed_dim=32, depth=3, num_heads=2, global_attn_indexes=(1, )),
                img_size=64, patch_size=8, out_chans=16, window_size=4, lora=LORA,
                checkpoint_policy='some')


def test_checkpoint_blocks_out_of_range_is_named():
    with pytest.raises(ValueError, match=r'\[5\]'):
        LoRAViT(arch=dict(embed_dim=32, depth=3, num_heads=2, global_attn_indexes=(1, )),
                img_size=64, patch_size=8, out_chans=16, window_size=4, lora=LORA,
                checkpoint_blocks=(0, 5))
