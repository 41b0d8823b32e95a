"""SAM's ViT image encoder with a low-rank (LoRA) branch on chosen linear layers."""
from contextlib import contextmanager
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint, create_selective_checkpoint_contexts, noop_context_fn

from mmwesam.registry import MODELS
from mmwesam.utils.sam_import import import_sam_modeling
from ..peft import LoRALinear, inject_lora, lora_modules
from .sam_attention import use_attention_impl

ImageEncoderViT = import_sam_modeling().ImageEncoderViT

CHECKPOINT_POLICIES = ('all', 'keep_attention')
# the attention kernels SDPA dispatches to (CPU flash, CUDA flash / efficient / cuDNN)
_ATTENTION_OPS = [getattr(torch.ops.aten, name).default for name in (
    '_scaled_dot_product_flash_attention_for_cpu', '_scaled_dot_product_flash_attention',
    '_scaled_dot_product_efficient_attention', '_scaled_dot_product_cudnn_attention')
    if hasattr(torch.ops.aten, name)]


def _keep_attention_context():
    return create_selective_checkpoint_contexts(_ATTENTION_OPS)


# The presets of segment_anything/build_sam.py.
ARCH_SETTINGS: Dict[str, dict] = {
    'vit_b': dict(embed_dim=768, depth=12, num_heads=12, global_attn_indexes=(2, 5, 8, 11)),
    'vit_l': dict(embed_dim=1024, depth=24, num_heads=16,
                  global_attn_indexes=(5, 11, 17, 23)),
    'vit_h': dict(embed_dim=1280, depth=32, num_heads=16,
                  global_attn_indexes=(7, 15, 23, 31)),
}


@MODELS.register_module()
class LoRAViT(ImageEncoderViT):
    """segment_anything's ``ImageEncoderViT`` with rank-r updates on chosen layers.

    Args:
        arch: ``'vit_b'``, ``'vit_l'``, ``'vit_h'`` or a dict with ``embed_dim``,
            ``depth``, ``num_heads`` and ``global_attn_indexes`` (small test models).
        img_size, patch_size, out_chans, window_size, use_rel_pos, mlp_ratio: as in
            segment_anything (defaults are SAM's).
        lora: ``dict(rank=4, alpha=None, dropout=0., targets=[...], blocks=None)`` where a
            target is a module path inside each block, optionally with a qkv slice: the
            default ``('attn.qkv:q', 'attn.qkv:v')`` adapts q and v. ``blocks``: indices
            of the blocks that get the branch (``None``: all, the paper's); a negative
            index counts from the end. With "late LoRA" (only the last blocks), the
            blocks before the first adapted one hold no activations for backward, and
            ``SelfTrainingTeacher`` computes that frozen prefix once for anchor and
            teacher. ``None`` builds the plain encoder.
        merge_lora_in_eval: predict (eval mode, no autograd) with the update folded
            into each adapted layer's weight (``LoRALinear.merge_in_eval``).
        attn_impl: ``'fused'`` (default): the relative-position bias folded into one
            ``scaled_dot_product_attention``, no (heads x N x N) tensor in memory
            (``sam_attention.py``); ``'eager'``: segment_anything's own computation.
            Both give the same outputs (up to float summation order).
        attn_query_chunk: query rows per block of the CPU attention on wide grids (the
            global blocks at 1024 px; ``sam_attention.BiasedAttention``): its transient
            bias block is (B, heads, attn_query_chunk, N). 64 was the fastest of 32-128
            for ViT-B at 1024 px (docs/en/benchmarks/adaptation_cost_cpu.md).
        checkpoint_blocks: activation checkpointing (recompute in backward instead of
            keeping activations) of these block indices, ``True`` for all, ``False``
            (default) for none. Non-reentrant, so LoRA gradients flow although the
            frozen patch embedding gives the first block an input without grad.
        checkpoint_policy: what a checkpointed block recomputes. ``'all'`` (default):
            everything, only the block input is kept. ``'keep_attention'``: selective
            checkpointing that keeps the output of the attention kernel
            (``scaled_dot_product_attention``, the costliest op of a global block at
            1024 px) and recomputes the rest (linear layers, MLP, norms). Both are
            exact: the same operations run, some twice.
    """

    def __init__(self, arch: Union[str, dict] = 'vit_b', img_size: int = 1024,
                 patch_size: int = 16, out_chans: int = 256, window_size: int = 14,
                 use_rel_pos: bool = True, mlp_ratio: float = 4.0,
                 lora: Optional[dict] = dict(rank=4, alpha=None, dropout=0.0,
                                             targets=('attn.qkv:q', 'attn.qkv:v')),
                 merge_lora_in_eval: bool = True,
                 attn_impl: str = 'fused',
                 attn_query_chunk: int = 64,
                 checkpoint_blocks: Union[bool, Sequence[int]] = False,
                 checkpoint_policy: str = 'all') -> None:
        if isinstance(arch, str):
            if arch not in ARCH_SETTINGS:
                raise ValueError(f'unknown arch {arch!r}; use one of {sorted(ARCH_SETTINGS)}'
                                 ' or a dict')
            arch = ARCH_SETTINGS[arch]
        arch = dict(arch)
        super().__init__(
            img_size=img_size, patch_size=patch_size, embed_dim=arch['embed_dim'],
            depth=arch['depth'], num_heads=arch['num_heads'], mlp_ratio=mlp_ratio,
            out_chans=out_chans, qkv_bias=True,
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), use_rel_pos=use_rel_pos,
            window_size=window_size,
            global_attn_indexes=tuple(arch.get('global_attn_indexes', ())))
        self.lora_cfg = dict(lora) if lora else None
        if lora:
            self._add_lora(**lora)
        for layer in lora_modules(self):
            layer.merge_in_eval = merge_lora_in_eval
        self.attn_impl = attn_impl
        use_attention_impl(self, attn_impl, attn_query_chunk)
        self.checkpointed = self._checkpointed_blocks(checkpoint_blocks)
        if checkpoint_policy not in CHECKPOINT_POLICIES:
            raise ValueError(f'checkpoint_policy must be one of {CHECKPOINT_POLICIES}, got '
                             f'{checkpoint_policy!r}')
        self.checkpoint_policy = checkpoint_policy

    def _checkpointed_blocks(self, blocks: Union[bool, Sequence[int]]) -> Tuple[int, ...]:
        if blocks is True:
            return tuple(range(len(self.blocks)))
        if blocks is False or blocks is None:
            return ()
        chosen = tuple(sorted(set(int(b) for b in blocks)))
        bad = [b for b in chosen if not 0 <= b < len(self.blocks)]
        if bad:
            raise ValueError(f'checkpoint_blocks {bad} are not blocks of this encoder '
                             f'(0..{len(self.blocks) - 1})')
        return chosen

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """segment_anything's forward, with the chosen blocks checkpointed in training."""
        return self.forward_from(self.forward_prefix(x, 0), 0)

    def forward_prefix(self, x: torch.Tensor, depth: int) -> torch.Tensor:
        """Images -> tokens (B, h, w, C) after the patch embedding and ``depth`` blocks."""
        x = self.patch_embed(x)
        if self.pos_embed is not None:
            x = x + self.pos_embed
        # The patch embedding's output is a permuted view of the conv's (B, C, h, w), and
        # elementwise ops keep that layout, so in segment_anything the whole residual
        # stream stays channels-first in memory: every LayerNorm and token reshape then
        # copies it. One copy here makes it contiguous; the values are the same.
        return self._run_blocks(x.contiguous(), 0, depth)

    def forward_from(self, tokens: torch.Tensor, start: int) -> torch.Tensor:
        """Tokens after block ``start - 1`` -> image embeddings (B, C, h', w')."""
        x = self._run_blocks(tokens, start, len(self.blocks))
        # the neck's convolutions get the (B, C, h, w) layout they get in segment_anything
        return self.neck(x.permute(0, 3, 1, 2).contiguous())

    def _run_blocks(self, x: torch.Tensor, start: int, end: int) -> torch.Tensor:
        recompute = self.checkpointed and torch.is_grad_enabled()
        for index in range(start, end):
            block = self.blocks[index]
            if recompute and index in self.checkpointed:
                context = _keep_attention_context \
                    if self.checkpoint_policy == 'keep_attention' else noop_context_fn
                x = checkpoint(block, x, use_reentrant=False, context_fn=context)
            else:
                x = block(x)
        return x

    def frozen_prefix_depth(self) -> int:
        """How many leading blocks have no low-rank branch and nothing that trains.

        Those blocks (and the patch embedding before them) compute the same function for
        the source and the adapted model, so their output on one input can be shared.
        """
        stem = list(self.patch_embed.parameters()) + \
            ([self.pos_embed] if self.pos_embed is not None else [])
        if any(p.requires_grad for p in stem):
            return 0
        depth = 0
        for block in self.blocks:
            if any(p.requires_grad for p in block.parameters()) or \
                    next(lora_modules(block), None) is not None:
                break
            depth += 1
        return depth

    def _lora_blocks(self, blocks: Optional[Sequence[int]]) -> Tuple[int, ...]:
        depth = len(self.blocks)
        if blocks is None:
            return tuple(range(depth))
        chosen = []
        for block in blocks:
            index = int(block) + depth if int(block) < 0 else int(block)
            if not 0 <= index < depth:
                raise ValueError(f'lora.blocks: {block} is not a block of this encoder '
                                 f'(0..{depth - 1}, or -{depth}..-1 from the end)')
            chosen.append(index)
        return tuple(sorted(set(chosen)))

    def _add_lora(self, rank: int = 4, alpha: Optional[float] = None,
                  dropout: float = 0.0,
                  targets: Sequence[str] = ('attn.qkv:q', 'attn.qkv:v'),
                  blocks: Optional[Sequence[int]] = None) -> None:
        for index in self._lora_blocks(blocks):
            inject_lora(self.blocks[index], targets, rank, alpha, dropout)

    def lora_parameters(self) -> List[nn.Parameter]:
        return [p for name, p in self.named_parameters() if '.lora_' in name]

    @contextmanager
    def lora_disabled(self):
        """Run the source encoder: the low-rank branch is off inside the block."""
        layers = list(lora_modules(self))
        previous = [layer.lora_enabled for layer in layers]
        for layer in layers:
            layer.lora_enabled = False
        try:
            yield self
        finally:
            for layer, state in zip(layers, previous):
                layer.lora_enabled = state

    def merge(self) -> None:
        for layer in lora_modules(self):
            layer.merge()

    def unmerge(self) -> None:
        for layer in lora_modules(self):
            layer.unmerge()

    def merged_state_dict(self) -> Dict[str, torch.Tensor]:
        """Weights with the update folded in and the LoRA factors left out."""
        state = {}
        for name, value in self.state_dict().items():
            if '.lora_' in name:
                continue
            state[name] = value.clone()
        for module_name, layer in self.named_modules():
            if isinstance(layer, LoRALinear) and not layer.merged:
                state[f'{module_name}.weight'] = (layer.weight + layer.delta_weight()).detach()
        return state
