"""Export an adapted model as an official-layout SAM checkpoint (LoRA merged).

    python tools/model_converters/export_sam.py CONFIG CHECKPOINT OUT.pth

The result has exactly segment_anything's keys (``image_encoder.*``,
``prompt_encoder.*``, ``mask_decoder.*``): ``Sam.load_state_dict(..., strict=True)``
loads it and any SAM tool can use it.
"""
import argparse

import torch

from mmwesam.apis import init_model
from mmwesam.models.utils import to_official_state_dict


def export(config: str, checkpoint: str, out_file: str) -> dict:
    model = init_model(config, checkpoint)
    segmentor = getattr(model, 'teacher', None) or getattr(model, 'segmentor', model)
    state = to_official_state_dict(segmentor)
    torch.save(state, out_file)
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out')
    args = parser.parse_args()
    state = export(args.config, args.checkpoint, args.out)
    print(f'wrote {len(state)} tensors in the official SAM layout to {args.out}')


if __name__ == '__main__':
    main()
