"""Make a SAM checkpoint a starting point for the same model with a finer token grid.

    python tools/model_converters/refine_sam_grid.py IN.pth OUT.pth --factor 2

IN is an official-layout SAM checkpoint (``export_sam.py`` writes one from any mmwesam
checkpoint). The patch size is divided by ``factor``, the positional embedding and the
relative-position tables are resampled (``mmwesam/models/utils/grid.py``). The config
that loads OUT sets ``patch_size`` (divided by ``factor``), ``window_size`` and the head's
``image_embedding_size`` (both times ``factor``); ``load_sam_state_dict`` checks every
shape.
"""
import argparse
import sys

import torch

from mmwesam.models.utils import read_checkpoint, refine_token_grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('checkpoint', help='official-layout SAM checkpoint')
    parser.add_argument('out')
    parser.add_argument('--factor', type=int, default=2,
                        help='the patch size is divided by this (default 2)')
    args = parser.parse_args()
    state = read_checkpoint(args.checkpoint)
    if not any(key.startswith('image_encoder.') for key in state):
        sys.exit(f'{args.checkpoint}: no image_encoder.* keys; export it to the official '
                 'layout first (tools/model_converters/export_sam.py CONFIG CKPT OUT)')
    refined = refine_token_grid(state, args.factor)
    torch.save(refined, args.out)
    kernel = refined['image_encoder.patch_embed.proj.weight'].shape[-1]
    grid = refined['image_encoder.pos_embed'].shape[1]
    print(f'wrote {args.out}: patch {kernel}, {grid} x {grid} token grid')


if __name__ == '__main__':
    main()
