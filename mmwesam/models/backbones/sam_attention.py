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
"""
from typing import Tuple

import torch
import torch.nn.functional as F

from mmwesam.utils.sam_import import import_sam_modeling

_image_encoder = import_sam_modeling().image_encoder
Attention = _image_encoder.Attention
get_rel_pos = _image_encoder.get_rel_pos

ATTENTION_IMPLS = ('fused', 'eager')


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
        (B, heads, H * W, C), equal to segment_anything's ``Attention``.
    """
    height, width = size
    batch, heads, tokens, dim = q.shape
    grid = q.reshape(batch, heads, height, width, dim)
    rel_h = torch.einsum('bnhwc,hkc->bnhwk', grid, get_rel_pos(height, height, rel_pos_h))
    rel_w = torch.einsum('bnhwc,wkc->bnhwk', grid, get_rel_pos(width, width, rel_pos_w))
    query = torch.cat([q * scale, rel_h.reshape(batch, heads, tokens, height),
                       rel_w.reshape(batch, heads, tokens, width)], dim=-1)
    index = torch.arange(tokens, device=q.device)
    codes = torch.cat([F.one_hot(index // width, height), F.one_hot(index % width, width)],
                      dim=-1).to(k.dtype)
    key = torch.cat([k, codes.expand(batch, heads, tokens, height + width)], dim=-1)
    value = F.pad(v, (0, height + width))
    out = F.scaled_dot_product_attention(query, key, value, scale=1.0)
    return out[..., :dim]


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
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, heads, N, C)
        if self.use_rel_pos:
            out = fused_rel_pos_attention(q, k, v, self.rel_pos_h, self.rel_pos_w,
                                          self.scale, (height, width))
        else:
            out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
        out = out.permute(0, 2, 1, 3).reshape(batch, height, width, -1)
        return self.proj(out)


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
