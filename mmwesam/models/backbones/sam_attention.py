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

Folding widens the dot product from C to C + H + W, which on a wide grid costs more than
the bias itself: a ViT-B global block at 1024 px (64 x 64 tokens, C = 64) runs both of
the kernel's products at 3x their width. Where H + W > C, on CPU, :class:`BiasedAttention`
instead gives the kernel the bias itself as ``attn_mask``, a block of query rows at a time
(the only N-wide tensor, transient), and computes the backward in the same blocks with
matrix products at the head size, reducing the bias gradient to ``rel_h`` / ``rel_w``
straight away. Equal to the eager attention up to float summation order (tested to 1e-5);
measured in ``docs/en/benchmarks/adaptation_cost_cpu.md``.
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


def _row_col_terms(q: torch.Tensor, table_h: torch.Tensor, table_w: torch.Tensor
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """``rel_h``, ``rel_w``: (B, heads, N, H), (B, heads, N, W), the bias of each query for
    each key row and column (``table_h``, ``table_w``: ``get_rel_pos``'s (H, H, C),
    (W, W, C))."""
    batch, heads, tokens, dim = q.shape
    height, width = table_h.shape[0], table_w.shape[0]
    grid = q.reshape(batch, heads, height, width, dim)
    rel_h = torch.einsum('bnhwc,hkc->bnhwk', grid, table_h)
    rel_w = torch.einsum('bnhwc,wkc->bnhwk', grid, table_w)
    return (rel_h.reshape(batch, heads, tokens, height),
            rel_w.reshape(batch, heads, tokens, width))


def _bias_rows(rel_h: torch.Tensor, rel_w: torch.Tensor, start: int, stop: int,
               buffer: torch.Tensor) -> torch.Tensor:
    """(..., stop - start, H * W): the bias of queries ``start:stop`` against every key,
    written into the first rows of ``buffer`` (..., chunk, H * W)."""
    *lead, _, height = rel_h.shape
    rows = buffer[..., :stop - start, :]
    torch.add(rel_h[..., start:stop, :, None], rel_w[..., start:stop, None, :],
              out=rows.view(*lead, stop - start, height, rel_w.shape[-1]))
    return rows


def _biased_flash(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, rel_h: torch.Tensor,
                  rel_w: torch.Tensor, scale: float, chunk: int
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """The CPU flash kernel with the bias as its mask, ``chunk`` queries at a time.

    Returns the output with heads merged, (B, N, heads * C), and the logsumexp of each
    query's logits, (B, heads, N).
    """
    batch, heads, tokens, dim = q.shape
    # the kernel writes its output as (B, N, heads, C) in memory: merging heads is a view
    merged = q.new_empty(batch, tokens, heads, dim)
    logsumexp = q.new_empty(batch, heads, tokens)
    # one bias buffer for all blocks: fewer large short-lived allocations, which the
    # allocator would otherwise keep as fragmented heap (a higher peak RSS)
    bias = q.new_empty(batch, heads, min(chunk, tokens), tokens)
    for start in range(0, tokens, chunk):
        stop = min(tokens, start + chunk)
        out, lse = _flash_cpu(q[:, :, start:stop], k, v, scale=scale,
                              attn_mask=_bias_rows(rel_h, rel_w, start, stop, bias))
        merged[:, start:stop] = out.transpose(1, 2)
        logsumexp[:, :, start:stop] = lse
    return merged.view(batch, tokens, heads * dim), logsumexp


class BiasedAttention(torch.autograd.Function):
    """Softmax attention with SAM's decomposed bias for wide grids on CPU:
    (B, heads, N, C) x 3 and ``get_rel_pos``'s tables (H, H, C), (W, W, C) ->
    (B, N, heads * C).

    Forward: ``rel_h``, ``rel_w`` (:func:`_row_col_terms`), then :func:`_biased_flash`.
    Backward: the flash recurrence in blocks of ``chunk`` query rows, with matrix
    products at the head size C: the probabilities ``P = exp(q k * scale + bias -
    logsumexp)`` rebuilt, ``dS = P * (dO v - rowsum(dO O))``, and the bias gradient ``dS``
    summed over key columns / rows into ``rel_h`` / ``rel_w`` (no (heads x N x N) tensor at
    any time), which then go to q and the tables.

    Keeps q, k, v, the merged output, the logsumexp and the two small tables: ``rel_h``
    and ``rel_w`` are rebuilt in backward (a (B, heads, N, H + W) product, small next to
    the attention), where autograd would keep them and the einsums' two copies of q.
    """

    @staticmethod
    def forward(ctx, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                table_h: torch.Tensor, table_w: torch.Tensor, scale: float,
                chunk: int) -> torch.Tensor:
        rel_h, rel_w = _row_col_terms(q, table_h, table_w)
        merged, logsumexp = _biased_flash(q, k, v, rel_h, rel_w, scale, chunk)
        # q, k, v are usually views of one qkv output: kept as they are, they keep that
        # output, which is what copies of the three would take
        ctx.save_for_backward(q, k, v, table_h, table_w, merged, logsumexp)
        ctx.scale, ctx.chunk = scale, chunk
        return merged

    @staticmethod
    def backward(ctx, grad_merged: torch.Tensor):
        q, k, v, table_h, table_w, merged, logsumexp = ctx.saved_tensors
        scale, chunk = ctx.scale, ctx.chunk
        batch, heads, tokens, dim = q.shape
        height, width = table_h.shape[0], table_w.shape[0]
        rel_h, rel_w = _row_col_terms(q, table_h, table_w)

        def flat(tensor: torch.Tensor) -> torch.Tensor:  # (B, heads, N, X) -> (B*heads, N, X)
            return tensor.reshape(batch * heads, tokens, tensor.shape[-1])

        def heads_first(merged_heads: torch.Tensor) -> torch.Tensor:
            return flat(merged_heads.view(batch, tokens, heads, dim).transpose(1, 2))

        grad_out, out = heads_first(grad_merged), heads_first(merged)
        flat_q, k, v, rel_w = flat(q), flat(k), flat(v), flat(rel_w)
        # the row terms of the logits: scale folded into q, -logsumexp into rel_h, so
        # that P = exp(q_scaled k + rel_h' + rel_w) in one exp
        scaled_q = flat_q * scale
        shifted_rel_h = flat(rel_h).sub_(logsumexp.reshape(batch * heads, tokens, 1))
        del rel_h
        row_dot = (grad_out * out).sum(-1, keepdim=True)  # rowsum(dO * O)
        grad_q, grad_k = torch.empty_like(scaled_q), torch.zeros_like(k)
        grad_v = torch.zeros_like(v)
        grad_rel_h = q.new_empty(batch * heads, tokens, height)
        grad_rel_w = torch.empty_like(rel_w)
        key_t, value_t = k.transpose(1, 2), v.transpose(1, 2)
        # the two (B * heads, chunk, N) blocks, allocated once (see _biased_flash)
        prob_buffer = q.new_empty(batch * heads, min(chunk, tokens), tokens)
        grad_buffer = torch.empty_like(prob_buffer)
        for start in range(0, tokens, chunk):
            stop = min(tokens, start + chunk)
            rows = slice(start, stop)
            prob = torch.bmm(scaled_q[:, rows], key_t, out=prob_buffer[:, :stop - start])
            grid = prob.view(-1, stop - start, height, width)
            grid.add_(shifted_rel_h[:, rows, :, None]).add_(rel_w[:, rows, None, :])
            prob.exp_()
            grad_v.baddbmm_(prob.transpose(1, 2), grad_out[:, rows])
            grad_logits = torch.bmm(grad_out[:, rows], value_t,
                                    out=grad_buffer[:, :stop - start])
            grad_logits.sub_(row_dot[:, rows]).mul_(prob)
            torch.bmm(grad_logits, k, out=grad_q[:, rows])
            grad_k.baddbmm_(grad_logits.transpose(1, 2), scaled_q[:, rows])
            grad_grid = grad_logits.view(-1, stop - start, height, width)
            torch.sum(grad_grid, -1, out=grad_rel_h[:, rows])
            torch.sum(grad_grid, -2, out=grad_rel_w[:, rows])
        # rel_h = grid . table_h, rel_w = grid . table_w: to q and to the tables
        grid_q = q.reshape(batch, heads, height, width, dim)
        grad_rel_h = grad_rel_h.view(batch, heads, height, width, height)
        grad_rel_w = grad_rel_w.view(batch, heads, height, width, width)
        grad_q = grad_q.mul_(scale).view(batch, heads, height, width, dim)
        grad_q += torch.einsum('bnhwk,hkc->bnhwc', grad_rel_h, table_h)
        grad_q += torch.einsum('bnhwk,wkc->bnhwc', grad_rel_w, table_w)
        grad_table_h = grad_table_w = None
        if ctx.needs_input_grad[3]:
            grad_table_h = torch.einsum('bnhwk,bnhwc->hkc', grad_rel_h, grid_q)
        if ctx.needs_input_grad[4]:
            grad_table_w = torch.einsum('bnhwk,bnhwc->wkc', grad_rel_w, grid_q)
        shape = (batch, heads, tokens, dim)
        return (grad_q.view(shape), grad_k.view(shape), grad_v.view(shape),
                grad_table_h, grad_table_w, None, None)


def _flash_kernel_applies(query: torch.Tensor, key: torch.Tensor,
                          value: torch.Tensor) -> bool:
    """Whether SDPA would run the CPU flash kernel on these inputs: CPU, one dtype, no
    autocast (SDPA may cast), flash not switched off by the user."""
    return (query.device.type == 'cpu' and query.dtype == key.dtype == value.dtype
            and not torch.is_autocast_enabled('cpu')
            and torch.backends.cuda.flash_sdp_enabled())


def _biased_applies(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                    size: Tuple[int, int]) -> bool:
    """Whether :class:`BiasedAttention` runs: the CPU flash kernel in float32, on a grid
    so wide that folding (C -> C + H + W) would more than double the dot product."""
    return (_flash_kernel_applies(q, k, v) and q.dtype == torch.float32
            and sum(size) > q.shape[-1])


def _compact_applies(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> bool:
    """Whether SDPA would run the CPU flash kernel here and autograd would keep its
    inputs."""
    return (_flash_kernel_applies(query, key, value) and torch.is_grad_enabled()
            and (query.requires_grad or key.requires_grad or value.requires_grad))


def fused_rel_pos_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                            rel_pos_h: torch.Tensor, rel_pos_w: torch.Tensor,
                            scale: float, size: Tuple[int, int],
                            query_chunk: int = 64) -> torch.Tensor:
    """Softmax attention with SAM's decomposed relative-position bias.

    Args:
        q, k, v: (B, heads, H * W, C) queries, keys, values of an H x W token grid.
        rel_pos_h, rel_pos_w: the block's relative-position tables, (2H - 1, C), (2W - 1, C).
        scale: the logit scale (``head_dim ** -0.5``).
        size: (H, W).
        query_chunk: query rows per block where :class:`BiasedAttention` runs (wide grids
            on CPU); its transient bias block is (B, heads, query_chunk, N).

    Returns:
        (B, H * W, heads * C), heads merged, equal to segment_anything's ``Attention``
        before its output projection.
    """
    height, width = size
    table_h = get_rel_pos(height, height, rel_pos_h)
    table_w = get_rel_pos(width, width, rel_pos_w)
    if _biased_applies(q, k, v, size):
        if torch.is_grad_enabled() and any(
                t.requires_grad for t in (q, k, v, table_h, table_w)):
            return BiasedAttention.apply(q, k, v, table_h, table_w, scale, query_chunk)
        return _biased_flash(q, k, v, *_row_col_terms(q, table_h, table_w), scale,
                             query_chunk)[0]
    batch, heads, tokens, dim = q.shape
    rel_h, rel_w = _row_col_terms(q, table_h, table_w)
    query = torch.cat([q * scale, rel_h, rel_w], dim=-1)
    if _compact_applies(query, k, v):
        return CompactFlashAttention.apply(query, k, v, height, width)
    key, value = _widen(k, v, height, width)
    out = F.scaled_dot_product_attention(query, key, value, scale=1.0)
    return out[..., :dim].transpose(1, 2).reshape(batch, tokens, heads * dim)


class SAMAttention(Attention):
    """segment_anything's ``Attention`` (same parameters and names) whose ``impl`` picks
    the computation: ``'fused'`` (:func:`fused_rel_pos_attention`, the default) or
    ``'eager'`` (segment_anything's own forward, kept for reference and tests);
    ``query_chunk``: see :func:`fused_rel_pos_attention`."""

    impl: str = 'fused'
    query_chunk: int = 64

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
                                          self.scale, (height, width), self.query_chunk)
        else:
            out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
            out = out.transpose(1, 2)
        return self.proj(out.reshape(batch, height, width, -1))


def use_attention_impl(module: torch.nn.Module, impl: str, query_chunk: int = 64) -> int:
    """Make every SAM ``Attention`` under ``module`` a :class:`SAMAttention` running
    ``impl`` (and ``query_chunk``); parameters and their names stay as they are. Returns
    how many."""
    if impl not in ATTENTION_IMPLS:
        raise ValueError(f'attention impl {impl!r} is not one of {ATTENTION_IMPLS}')
    if not isinstance(query_chunk, int) or query_chunk < 1:
        raise ValueError(f'query_chunk must be a positive int, got {query_chunk!r}')
    count = 0
    for layer in module.modules():
        if isinstance(layer, Attention):
            # a subclass without state of its own: switching the class keeps every
            # parameter, buffer and hook of the built module
            layer.__class__ = SAMAttention
            layer.impl = impl
            layer.query_chunk = query_chunk
            count += 1
    return count
