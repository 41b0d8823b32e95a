"""SAM's ViT image encoder with a low-rank (LoRA) branch on chosen linear layers."""
import math
from contextlib import contextmanager
from functools import partial
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwesam.registry import MODELS
from mmwesam.utils.sam_import import import_sam_modeling

ImageEncoderViT = import_sam_modeling().ImageEncoderViT

# The presets of segment_anything/build_sam.py.
ARCH_SETTINGS: Dict[str, dict] = {
    'vit_b': dict(embed_dim=768, depth=12, num_heads=12, global_attn_indexes=(2, 5, 8, 11)),
    'vit_l': dict(embed_dim=1024, depth=24, num_heads=16,
                  global_attn_indexes=(5, 11, 17, 23)),
    'vit_h': dict(embed_dim=1280, depth=32, num_heads=16,
                  global_attn_indexes=(7, 15, 23, 31)),
}
_QKV_SLICES = {'q': 0, 'k': 1, 'v': 2}


class LoRALinear(nn.Linear):
    """``nn.Linear`` plus ``scale * B A`` on some slices of its output.

    It keeps the parameter names of the linear layer it replaces (``weight``,
    ``bias``), so official checkpoints load unchanged; the low-rank factors are
    ``lora_A_<slice>`` (r x in) and ``lora_B_<slice>`` (out_slice x r). B starts at zero,
    so a fresh layer computes exactly what the original did.

    Args:
        slices: named output slices to adapt, e.g. ``{'q': (0, 768), 'v': (1536, 2304)}``;
            ``{'all': (0, out_features)}`` adapts the whole output.
    """

    def __init__(self, linear: nn.Linear, slices: Dict[str, Tuple[int, int]], rank: int,
                 alpha: Optional[float] = None, dropout: float = 0.0) -> None:
        super().__init__(linear.in_features, linear.out_features, linear.bias is not None,
                         device=linear.weight.device, dtype=linear.weight.dtype)
        self.weight = linear.weight
        self.bias = linear.bias
        self.rank = rank
        self.scale = (alpha if alpha is not None else rank) / rank
        self.slices = dict(slices)
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        for name, (start, end) in self.slices.items():
            lora_a = nn.Parameter(self.weight.new_empty(rank, self.in_features))
            nn.init.kaiming_uniform_(lora_a, a=math.sqrt(5))
            setattr(self, f'lora_A_{name}', lora_a)
            setattr(self, f'lora_B_{name}', nn.Parameter(self.weight.new_zeros(end - start,
                                                                               rank)))
        self.lora_enabled = True
        self.merged = False

    def delta_weight(self) -> torch.Tensor:
        """The dense update ``scale * B A`` laid out like ``weight``."""
        delta = torch.zeros_like(self.weight)
        for name, (start, end) in self.slices.items():
            delta[start:end] = self.scale * (getattr(self, f'lora_B_{name}')
                                             @ getattr(self, f'lora_A_{name}'))
        return delta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.merged:
            if not self.lora_enabled:
                raise RuntimeError('the low-rank update is merged into the weight and '
                                   'cannot be switched off; unmerge() first')
            return F.linear(x, self.weight, self.bias)
        out = F.linear(x, self.weight, self.bias)
        if not self.lora_enabled:
            return out
        x = self.lora_dropout(x)
        updates = []
        for name, (start, end) in self.slices.items():
            lora_a = getattr(self, f'lora_A_{name}')
            lora_b = getattr(self, f'lora_B_{name}')
            updates.append((start, end, (x @ lora_a.t()) @ lora_b.t() * self.scale))
        if len(updates) == 1 and updates[0][:2] == (0, self.out_features):
            return out + updates[0][2]
        # Out-of-place slice updates keep autograd happy with the fused qkv output.
        pieces, cursor = [], 0
        for start, end, update in sorted(updates, key=lambda u: u[0]):
            pieces += [out[..., cursor:start], out[..., start:end] + update]
            cursor = end
        pieces.append(out[..., cursor:])
        return torch.cat(pieces, dim=-1)

    @torch.no_grad()
    def merge(self) -> None:
        """Fold the update into ``weight`` (for export and faster inference)."""
        if not self.merged:
            self.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        if self.merged:
            self.weight -= self.delta_weight()
            self.merged = False

    def extra_repr(self) -> str:
        return (f'{super().extra_repr()}, rank={self.rank}, scale={self.scale}, '
                f'slices={list(self.slices)}')


def lora_modules(module: nn.Module) -> Iterator[LoRALinear]:
    for child in module.modules():
        if isinstance(child, LoRALinear):
            yield child


def _parse_target(target: str, linear: nn.Linear) -> Dict[str, Tuple[int, int]]:
    """``'attn.qkv:q'`` -> the q third of the fused qkv output; ``'mlp.lin1'`` -> all."""
    if ':' not in target:
        return {'all': (0, linear.out_features)}
    _, part = target.split(':', 1)
    if part not in _QKV_SLICES:
        raise ValueError(f'unknown LoRA slice {part!r} in target {target!r}; '
                         f'use one of {sorted(_QKV_SLICES)}')
    width = linear.out_features // 3
    start = _QKV_SLICES[part] * width
    return {part: (start, start + width)}


@MODELS.register_module()
class LoRAViT(ImageEncoderViT):
    """segment_anything's ``ImageEncoderViT`` with rank-r updates on chosen layers.

    Args:
        arch: ``'vit_b'``, ``'vit_l'``, ``'vit_h'`` or a dict with ``embed_dim``,
            ``depth``, ``num_heads`` and ``global_attn_indexes`` (small test models).
        img_size, patch_size, out_chans, window_size, use_rel_pos, mlp_ratio: as in
            segment_anything (defaults are SAM's).
        lora: ``dict(rank=4, alpha=None, dropout=0., targets=[...])`` where a target is a
            module path inside each block, optionally with a qkv slice: the default
            ``('attn.qkv:q', 'attn.qkv:v')`` adapts q and v of every block. ``None``
            builds the plain encoder.
    """

    def __init__(self, arch: Union[str, dict] = 'vit_b', img_size: int = 1024,
                 patch_size: int = 16, out_chans: int = 256, window_size: int = 14,
                 use_rel_pos: bool = True, mlp_ratio: float = 4.0,
                 lora: Optional[dict] = dict(rank=4, alpha=None, dropout=0.0,
                                             targets=('attn.qkv:q', 'attn.qkv:v'))
                 ) -> None:
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

    def _add_lora(self, rank: int = 4, alpha: Optional[float] = None,
                  dropout: float = 0.0,
                  targets: Sequence[str] = ('attn.qkv:q', 'attn.qkv:v')) -> None:
        grouped: Dict[str, Dict[str, Tuple[int, int]]] = {}
        for block_index, block in enumerate(self.blocks):
            for target in targets:
                path = target.split(':', 1)[0]
                linear = block.get_submodule(path)
                if not isinstance(linear, nn.Linear):
                    raise TypeError(f'LoRA target {target!r} is a {type(linear).__name__}, '
                                    'not nn.Linear')
                key = f'{block_index}.{path}'
                grouped.setdefault(key, {}).update(_parse_target(target, linear))
        for key, slices in grouped.items():
            block_index, path = key.split('.', 1)
            block = self.blocks[int(block_index)]
            parent_path, _, leaf = path.rpartition('.')
            parent = block.get_submodule(parent_path) if parent_path else block
            setattr(parent, leaf, LoRALinear(getattr(parent, leaf), slices, rank, alpha,
                                             dropout))

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
