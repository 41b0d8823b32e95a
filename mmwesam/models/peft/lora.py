"""LoRA: low-rank updates on chosen ``nn.Linear`` layers of any network."""
import math
from typing import Dict, Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# Output thirds of a fused qkv projection (SAM's ``attn.qkv``: q, k, v stacked).
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
        merge_in_eval: in eval mode without autograd (prediction), run one linear layer
            with ``weight + scale * B A`` instead of the layer plus the low-rank branch:
            fewer, larger matmuls, and the same values up to float summation order
            (bit-equal while B is zero, as in a fresh layer).
    """

    def __init__(self, linear: nn.Linear, slices: Dict[str, Tuple[int, int]], rank: int,
                 alpha: Optional[float] = None, dropout: float = 0.0,
                 merge_in_eval: bool = False) -> None:
        super().__init__(linear.in_features, linear.out_features, linear.bias is not None,
                         device=linear.weight.device, dtype=linear.weight.dtype)
        self.weight = linear.weight
        self.bias = linear.bias
        self.rank = rank
        self.scale = (alpha if alpha is not None else rank) / rank
        self.slices = dict(slices)
        covered = sorted(self.slices.items(), key=lambda item: item[1])
        for index, (name, (start, end)) in enumerate(covered):
            if not 0 <= start < end <= self.out_features:
                raise ValueError(f'LoRA slice {name!r} = ({start}, {end}) is not inside the '
                                 f'{self.out_features} outputs of the layer')
            if index and start < covered[index - 1][1][1]:
                raise ValueError(f'LoRA slices {covered[index - 1][0]!r} and {name!r} '
                                 'overlap; each output may have one low-rank update')
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        for name, (start, end) in self.slices.items():
            lora_a = nn.Parameter(self.weight.new_empty(rank, self.in_features))
            nn.init.kaiming_uniform_(lora_a, a=math.sqrt(5))
            setattr(self, f'lora_A_{name}', lora_a)
            setattr(self, f'lora_B_{name}', nn.Parameter(self.weight.new_zeros(end - start,
                                                                               rank)))
        self.lora_enabled = True
        self.merged = False
        self.merge_in_eval = merge_in_eval

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
        if not self.lora_enabled:
            return F.linear(x, self.weight, self.bias)
        if self.merge_in_eval and not self.training and not torch.is_grad_enabled():
            # the weight is not changed in place: repeated evaluation cannot drift
            return F.linear(x, self.weight + self.delta_weight(), self.bias)
        out = F.linear(x, self.weight, self.bias)
        x = self.lora_dropout(x)
        updates = []
        for name, (start, end) in self.slices.items():
            lora_a = getattr(self, f'lora_A_{name}')
            lora_b = getattr(self, f'lora_B_{name}')
            updates.append((start, end, (x @ lora_a.t()) @ lora_b.t() * self.scale))
        if len(updates) == 1 and updates[0][:2] == (0, self.out_features):
            return out + updates[0][2]
        # One full-width update, zero between the slices, added to the whole output: its
        # backward hands both sides the gradient as it is (views, no copies). Slicing the
        # output and concatenating the pieces made a zero-filled full-width gradient per
        # piece in backward (5 for q, v of a qkv); an in-place slice update costs copies
        # of the whole gradient too. The values are the same: x + 0 == x.
        pieces, cursor = [], 0
        for start, end, update in sorted(updates, key=lambda u: u[0]):
            if start > cursor:
                pieces.append(update.new_zeros(update.shape[:-1] + (start - cursor, )))
            pieces.append(update)
            cursor = end
        if cursor < self.out_features:
            pieces.append(update.new_zeros(update.shape[:-1] + (self.out_features - cursor, )))
        return out + torch.cat(pieces, dim=-1)

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
    """Every ``LoRALinear`` inside ``module``."""
    for child in module.modules():
        if isinstance(child, LoRALinear):
            yield child


def parse_lora_target(target: str, linear: nn.Linear) -> Dict[str, Tuple[int, int]]:
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


def inject_lora(module: nn.Module, targets: Sequence[str], rank: int,
                alpha: Optional[float] = None, dropout: float = 0.0
                ) -> Dict[str, LoRALinear]:
    """Replace the target ``nn.Linear`` layers of ``module`` by :class:`LoRALinear`.

    Args:
        module: any network; it is changed in place.
        targets: module paths inside ``module`` (``get_submodule`` names such as
            ``'mlp.lin1'`` or ``'layers.0.fc'``), optionally with a slice of a fused qkv
            projection: ``'attn.qkv:q'``. Slices of one layer share one ``LoRALinear``.
        rank, alpha, dropout: see :class:`LoRALinear`.

    Returns:
        The new layers by module path, in the order they were created.
    """
    # Check every target before replacing anything, so a bad one leaves `module` intact.
    grouped: Dict[str, Dict[str, Tuple[int, int]]] = {}
    for target in targets:
        path = target.split(':', 1)[0]
        try:
            linear = module.get_submodule(path)
        except AttributeError as error:
            raise AttributeError(f'LoRA target {target!r} is not in '
                                 f'{type(module).__name__}: {error}') from error
        if not isinstance(linear, nn.Linear):
            raise TypeError(f'LoRA target {target!r} is a {type(linear).__name__}, '
                            'not nn.Linear')
        if not path:  # '' is `module` itself, which has no parent to be replaced in
            raise ValueError(f'LoRA target {target!r} names no layer inside the module')
        grouped.setdefault(path, {}).update(parse_lora_target(target, linear))
    # Created in target order: each LoRALinear draws its A from the global RNG.
    layers: Dict[str, LoRALinear] = {}
    for path, slices in grouped.items():
        parent_path, _, leaf = path.rpartition('.')
        parent = module.get_submodule(parent_path) if parent_path else module
        layers[path] = LoRALinear(getattr(parent, leaf), slices, rank, alpha, dropout)
        setattr(parent, leaf, layers[path])
    return layers
