"""Refine the token grid of a SAM image encoder checkpoint (smaller patches, same image).

A ViT with patch ``p`` on an image of side ``S`` sees an ``S / p`` grid of tokens. Fine
structure below one patch (thin boundaries, objects of a few pixels) has to be coded
inside a token; a finer grid (patch ``p / s``) gives the encoder ``s**2`` times the tokens
for the same image. This module turns a checkpoint of the coarse model into a starting
point for the fine one so that it keeps what it learned:

- ``patch_embed.proj.weight`` (C, 3, p, p) -> (C, 3, p/s, p/s): each new tap is the sum
  of the ``s x s`` old taps it replaces, so the new patch embedding of an image equals
  the old one of the image upsampled ``s`` times (nearest), exactly.
- ``pos_embed`` (1, g, g, C) -> (1, g*s, g*s, C): bilinear interpolation between token
  centres (bilinear rather than bicubic because it keeps fields that vary linearly with
  position exact; PyTorch's bicubic kernel shifts them by ~0.4 px).
- every ``rel_pos_h`` / ``rel_pos_w`` table (2n - 1, d) -> (2ns - 1, d): an offset of
  ``k`` new tokens reads the old table, linearly interpolated, at the same physical
  offset (``k / s`` old tokens). The fine model's windows must therefore be
  ``s`` times larger in tokens (the same size in pixels): its config sets
  ``window_size = s * old_window_size``.

The prompt encoder and the mask decoder have no grid-sized parameters and are copied.
"""
import re
from typing import Dict

import torch
import torch.nn.functional as F

_REL_POS = re.compile(r'(^|\.)blocks\.\d+\.attn\.rel_pos_[hw]$')


def _resample_rel_pos(table: torch.Tensor, factor: int) -> torch.Tensor:
    """(2n - 1, d) relative-position table -> (2ns - 1, d) for an ``s`` times finer grid.

    New entry ``j`` is the offset ``k = j - (ns - 1)`` fine tokens, i.e. ``k / s`` coarse
    tokens: read the old table there by linear interpolation (clamped at the ends, which
    only the outermost ``s - 1`` fine offsets on each side reach).
    """
    span = (table.shape[0] + 1) // 2
    fine = torch.arange(2 * span * factor - 1, dtype=torch.float64)
    where = ((fine - (span * factor - 1)) / factor + (span - 1)).clamp(0, 2 * span - 2)
    low = where.floor().long()
    high = (low + 1).clamp(max=2 * span - 2)
    weight = (where - low).to(torch.float32)[:, None]
    values = table.float()
    return ((1 - weight) * values[low] + weight * values[high]).to(table.dtype)


def refine_token_grid(state: Dict[str, torch.Tensor], factor: int,
                      prefix: str = 'image_encoder.') -> Dict[str, torch.Tensor]:
    """A copy of ``state`` (official SAM layout) for a ``factor`` times finer token grid.

    Args:
        state: the state dict; its image encoder keys start with ``prefix``.
        factor: integer refinement ``s``; the patch size must be divisible by it.
        prefix: key prefix of the image encoder (``''`` for a bare encoder).

    Raises:
        KeyError: ``state`` has no ``{prefix}patch_embed.proj.weight`` or ``pos_embed``.
        ValueError: ``factor`` < 1 or the patch size is not divisible by it.
    """
    if factor < 1:
        raise ValueError(f'factor must be a positive integer, got {factor}')
    kernel_key, pos_key = f'{prefix}patch_embed.proj.weight', f'{prefix}pos_embed'
    for key in (kernel_key, pos_key):
        if key not in state:
            raise KeyError(f'the checkpoint has no {key!r}: is it a SAM checkpoint in the '
                           f'official layout (prefix {prefix!r})?')
    kernel = state[kernel_key]
    patch = kernel.shape[-1]
    if patch % factor:
        raise ValueError(f'{kernel_key}: patch size {patch} is not divisible by {factor}')
    out = dict(state)
    if factor == 1:
        return out
    new_patch = patch // factor
    # sum each s x s block of taps: conv(upsample_nearest(x, s), W) == conv(x, W')
    out[kernel_key] = kernel.reshape(*kernel.shape[:2], new_patch, factor, new_patch,
                                     factor).sum(dim=(3, 5))
    pos = state[pos_key]
    grid = pos.shape[1]
    out[pos_key] = F.interpolate(pos.permute(0, 3, 1, 2).float(), size=grid * factor,
                                 mode='bilinear', align_corners=False
                                 ).permute(0, 2, 3, 1).to(pos.dtype).contiguous()
    for key, table in state.items():
        if key.startswith(prefix) and _REL_POS.search(key[len(prefix):]):
            out[key] = _resample_rel_pos(table, factor)
    return out
