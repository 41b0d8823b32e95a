"""SAM's encoder attention without a (heads x N x N) tensor: the relative-position bias
folded into the dot product, so ``scaled_dot_product_attention`` runs without a mask.

segment_anything adds a decomposed bias to the logits,
``bias[i, j] = rel_h[i, row(j)] + rel_w[i, col(j)]`` with ``rel_h = q . R_h`` and
``rel_w = q . R_w`` (one value per query and key row / column). Appending ``rel_h`` and
``rel_w`` to the scaled query and one-hot codes of the key's row and column to the key,

    q' = [q * scale, rel_h, rel_w],   k' = [k, onehot(row), onehot(col)],

gives ``q' . k' = q . k * scale + rel_h[i, row(j)] + rel_w[i, col(j)]``: the same logits,
now inside one dot product. SDPA's flash kernel then keeps O(N) memory in forward and
backward. The value is zero-padded to the widened head size (flash kernels need equal
sizes) and the padding cut from the output. The result equals the eager attention up to
float summation order (tested to 1e-5).

On CPU with autograd, :class:`CompactFlashAttention` calls the same flash kernel and its
backward but keeps only the narrow key, value and output for backward (the widened ones
are rebuilt there): per ViT-B global block and image pair 144 MiB less than SDPA's own
autograd keeps, with bit-equal outputs and gradients.
"""
from typing import Tuple

import torch
import torch.nn.functional as F

from mmwesam.utils.sam_import import import_sam_modeling

_image_encoder = import_sam_modeling().image_encoder
Attention = _image_encoder.Attention
get_rel_pos = _image_encoder.get_rel_pos

ATTENTION_IMPLS = ('fused', 'eager')
_flash_cpu = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu.default
_flash_cpu_backward = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward.default


def _position_codes(height: int, width: int, like: torch.Tensor) -> torch.Tensor:
    """(H * W, H + W): one-hot codes of each token's row and column."""
    index = torch.arange(height * width, device=like.device)
    return torch.cat([F.one_hot(index // width, height), F.one_hot(index % width, width)],
                     dim=-1).to(like.dtype)


def _widen(key: torch.Tensor, value: torch.Tensor, height: int, width: int
           ) -> Tuple[torch.Tensor, torch.Tensor]:
    """k' = [k, onehot(row), onehot(col)] and v' = [v, 0]: the kernel's key and value."""
    batch, heads, tokens, _ = key.shape
    codes = _position_codes(height, width, key).expand(batch, heads, tokens, height + width)
    return torch.cat([key, codes], dim=-1), F.pad(value, (0, height + width))


class CompactFlashAttention(torch.autograd.Function):
    """SDPA's CPU flash kernel on the widened query with k', v' (see the module docstring),
    heads merged: (B, heads, N, C') x (B, heads, N, C) x 2 -> (B, N, heads * C).

    Exactly what ``scaled_dot_product_attention`` computes forward and backward (the same
    kernels on the same values; tested bit-equal), but it keeps the key, value and output
    at the head size C instead of the widened C' = C + H + W: autograd would keep k', v'
    and the widened output (at C = 64 on a 64 x 64 grid, 3x as large). The backward
    rebuilds them, a few copies against the flash backward's matmuls.
    """

    @staticmethod
    def forward(ctx, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                height: int, width: int) -> torch.Tensor:
        batch, heads, tokens, dim = key.shape
        wide_key, wide_value = _widen(key, value, height, width)
        out, logsumexp = _flash_cpu(query, wide_key, wide_value, scale=1.0)
        merged = out[..., :dim].transpose(1, 2).reshape(batch, tokens, heads * dim)
        # key and value are usually views of the qkv projection's output: copies keep
        # 2 of its 3 parts instead of all of it
        ctx.save_for_backward(query, key.contiguous(), value.contiguous(), merged, logsumexp)
        ctx.size = (height, width)
        return merged

    @staticmethod
    def backward(ctx, grad_merged: torch.Tensor):
        query, key, value, merged, logsumexp = ctx.saved_tensors
        height, width = ctx.size
        batch, heads, tokens, dim = key.shape
        wide_key, wide_value = _widen(key, value, height, width)

        def wide(merged_heads: torch.Tensor) -> torch.Tensor:
            # (B, N, heads * C) -> (B, heads, N, C'), the padding zero as in the kernel's
            # output (its value padding is zero)
            heads_first = merged_heads.reshape(batch, tokens, heads, dim).transpose(1, 2)
            return F.pad(heads_first, (0, height + width))

        grad_query, grad_key, grad_value = _flash_cpu_backward(
            wide(grad_merged), query, wide_key, wide_value, wide(merged), logsumexp,
            0.0, False, scale=1.0)
        return grad_query, grad_key[..., :dim], grad_value[..., :dim], None, None


def _compact_applies(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> bool:
    """Whether SDPA would run the CPU flash kernel here and autograd would keep its inputs:
    CPU, one dtype, no autocast (SDPA may cast), flash not switched off by the user."""
    return (query.device.type == 'cpu' and torch.is_grad_enabled()
            and (query.requires_grad or key.requires_grad or value.requires_grad)
            and query.dtype == key.dtype == value.dtype
            and not torch.is_autocast_enabled('cpu')
            and torch.backends.cuda.flash_sdp_enabled())


def fused_rel_pos_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                            rel_pos_h: torch.Tensor, rel_pos_w: torch.Tensor,
                            scale: float, size: Tuple[int, int]) -> torch.Tensor:
    """Softmax attention with SAM's decomposed relative-position bias.

    Args:
        q, k, v: (B, heads, H * W, C) queries, keys, values of an H x W token grid.
        rel_pos_h, rel_pos_w: the block's relative-position tables, (2H - 1, C), (2W - 1, C).
        scale: the logit scale (``head_dim ** -0.5``).
        size: (H, W).

    Returns:
        (B, H * W, heads * C), heads merged, equal to segment_anything's ``Attention``
        before its output projection.
    """
    height, width = size
    batch, heads, tokens, dim = q.shape
    grid = q.reshape(batch, heads, height, width, dim)
    rel_h = torch.einsum('bnhwc,hkc->bnhwk', grid, get_rel_pos(height, height, rel_pos_h))
    rel_w = torch.einsum('bnhwc,wkc->bnhwk', grid, get_rel_pos(width, width, rel_pos_w))
    query = torch.cat([q * scale, rel_h.reshape(batch, heads, tokens, height),
                       rel_w.reshape(batch, heads, tokens, width)], dim=-1)
    if _compact_applies(query, k, v):
        return CompactFlashAttention.apply(query, k, v, height, width)
    key, value = _widen(k, v, height, width)
    out = F.scaled_dot_product_attention(query, key, value, scale=1.0)
    return out[..., :dim].transpose(1, 2).reshape(batch, tokens, heads * dim)


class SAMAttention(Attention):
    """segment_anything's ``Attention`` (same parameters and names) whose ``impl`` picks
    the computation: ``'fused'`` (:func:`fused_rel_pos_attention`, the default) or
    ``'eager'`` (segment_anything's own forward, kept for reference and tests)."""

    impl: str = 'fused'

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.impl == 'eager':
            return super().forward(x)
        batch, height, width, _ = x.shape
        qkv = self.qkv(x).reshape(batch, height * width, 3, self.num_heads, -1)
        # split before moving the heads forward (the same views as segment_anything's
        # permute-then-unbind): unbind's backward then stacks the three gradients straight
        # into the qkv layout, without a second full-width copy
        q, k, v = (part.transpose(1, 2) for part in qkv.unbind(2))  # each (B, heads, N, C)
        if self.use_rel_pos:
            out = fused_rel_pos_attention(q, k, v, self.rel_pos_h, self.rel_pos_w,
                                          self.scale, (height, width))
        else:
            out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
            out = out.transpose(1, 2)
        return self.proj(out.reshape(batch, height, width, -1))


def use_attention_impl(module: torch.nn.Module, impl: str) -> int:
    """Make every SAM ``Attention`` under ``module`` a :class:`SAMAttention` running
    ``impl``; parameters and their names stay as they are. Returns how many."""
    if impl not in ATTENTION_IMPLS:
        raise ValueError(f'attention impl {impl!r} is not one of {ATTENTION_IMPLS}')
    count = 0
    for layer in module.modules():
        if isinstance(layer, Attention):
            # a subclass without state of its own: switching the class keeps every
            # parameter, buffer and hook of the built module
            layer.__class__ = SAMAttention
            layer.impl = impl
            count += 1
    return count
