"""Read official SAM checkpoints and mmwesam checkpoints; write the official layout."""
import os.path as osp
import pickle
import re
from typing import Dict, Iterable, List, Optional

import torch
import torch.nn as nn

# official key prefix -> PromptableSAM attribute path
OFFICIAL_PREFIXES = {
    'image_encoder.': 'backbone.',
    'prompt_encoder.': 'head.prompt_encoder.',
    'mask_decoder.': 'head.mask_decoder.',
}


class CheckpointMismatchError(RuntimeError):
    """A checkpoint does not fit the model built from the config."""


def read_checkpoint(filename: str) -> Dict[str, torch.Tensor]:
    """The state dict of an official SAM file or an mmengine checkpoint."""
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename}')
    from mmwesam.engine.torch_load_compat import allow_mmengine_checkpoints
    allow_mmengine_checkpoints()
    if osp.getsize(filename) == 0:
        raise CheckpointMismatchError(f'{filename}: the file is empty (0 bytes); a save '
                                      'or download was interrupted')
    try:
        checkpoint = torch.load(filename, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        # torch suggests weights_only=False, i.e. running the file's code: not for a
        # file we cannot vouch for
        detail = next((line.strip() for line in str(error).splitlines()
                       if 'Unsupported' in line or 'invalid load key' in line),
                      'it holds objects other than tensors')
        detail = detail.split(' was not an allowed global')[0]  # not torch's advice
        raise CheckpointMismatchError(
            f'{filename}: not a file of tensors that loads safely (weights_only=True): '
            f'{detail[:200]}. An official SAM file or a checkpoint of tools/train.py '
            'loads; this one is of another kind or corrupt') from None
    except (RuntimeError, EOFError, ValueError, OSError) as error:
        raise CheckpointMismatchError(
            f'{filename}: not a readable PyTorch checkpoint (truncated or corrupt?): '
            f'{_first_line(error)}') from None
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(
            f'{filename}: expected a dict of tensors or an mmengine checkpoint, got '
            f'{type(checkpoint).__name__}')
    state = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', key): value for key, value in state.items()
            if isinstance(value, torch.Tensor)}


def _remap(state: Dict[str, torch.Tensor], model_keys: Iterable[str]
           ) -> Dict[str, torch.Tensor]:
    """Bring official or differently-wrapped keys to the model's own names."""
    model_keys = set(model_keys)
    model_prefix = next((k[:-len('backbone.pos_embed')] for k in model_keys
                         if k.endswith('backbone.pos_embed')), '')
    if any(key.startswith('image_encoder.') for key in state):
        remapped = {}
        for key, value in state.items():
            if key in ('pixel_mean', 'pixel_std'):  # the preprocessor's config holds these
                continue
            for official, ours in OFFICIAL_PREFIXES.items():
                if key.startswith(official):
                    key = model_prefix + ours + key[len(official):]
                    break
            remapped[key] = value
        return remapped
    state_prefix = next((k[:-len('backbone.pos_embed')] for k in state
                         if k.endswith('backbone.pos_embed')), None)
    if state_prefix is None or state_prefix == model_prefix:
        return state
    # e.g. a SelfTrainingTeacher checkpoint ('segmentor.backbone...') into a PromptableSAM
    return {model_prefix + key[len(state_prefix):]: value for key, value in state.items()
            if key.startswith(state_prefix)}


def _listing(keys: List[str], limit: int = 20) -> str:
    shown = ', '.join(keys[:limit])
    return shown + (f', ... ({len(keys)} in all)' if len(keys) > limit else '')


def load_sam_state_dict(model: nn.Module, filename: str,
                        allow_missing: Optional[Iterable[str]] = (r'\.lora_',)) -> List[str]:
    """Load ``filename`` into ``model`` and fail loudly on any mismatch.

    Official layout keys (``image_encoder.*``, ``prompt_encoder.*``,
    ``mask_decoder.*``) are renamed to the model's; low-rank factors may be missing
    (a fresh branch with B = 0 leaves the source model unchanged). Any other missing
    key, unexpected key or shape mismatch raises :class:`CheckpointMismatchError`
    that lists them.

    Returns:
        The keys that were allowed to stay missing.
    """
    own = model.state_dict()
    state = _remap(read_checkpoint(filename), own.keys())
    patterns = [re.compile(p) for p in (allow_missing or ())]
    missing = [k for k in own if k not in state]
    optional = [k for k in missing if any(p.search(k) for p in patterns)]
    missing = [k for k in missing if k not in optional]
    unexpected = [k for k in state if k not in own]
    shapes = [f'{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}'
              for k in state if k in own and state[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        lines = [f'checkpoint {filename} does not fit the model of this config:']
        if missing:
            lines.append(f'  missing keys: {_listing(missing)}')
        if unexpected:
            lines.append(f'  unexpected keys: {_listing(unexpected)}')
        if shapes:
            lines.append(f'  shape mismatches: {_listing(shapes)}')
        lines.append('  (is the config\'s model size, image_size or LoRA setting the one '
                     'the checkpoint was made with?)')
        raise CheckpointMismatchError('\n'.join(lines))
    model.load_state_dict(state, strict=False)
    return optional


def to_official_state_dict(segmentor: nn.Module) -> Dict[str, torch.Tensor]:
    """Official-layout weights of a PromptableSAM, low-rank updates merged in."""
    state = {}
    backbone = segmentor.backbone
    encoder_state = backbone.merged_state_dict() if hasattr(backbone, 'merged_state_dict') \
        else backbone.state_dict()
    for key, value in encoder_state.items():
        state['image_encoder.' + key] = value.detach().clone()
    for key, value in segmentor.head.prompt_encoder.state_dict().items():
        state['prompt_encoder.' + key] = value.detach().clone()
    for key, value in segmentor.head.mask_decoder.state_dict().items():
        state['mask_decoder.' + key] = value.detach().clone()
    return state


def _first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type if it has none)."""
    return (str(error).splitlines() or [type(error).__name__])[0][:200]
