"""Parameter count and peak memory of one WeSAM iteration: shared vs deep-copied anchor.

    python tools/analysis_tools/anchor_memory.py --anchor shared   # the default design
    python tools/analysis_tools/anchor_memory.py --anchor copy     # a second frozen SAM

Runs one training step of ``configs/wesam/wesam_vit-b_box_2k_coco.py``'s model (ViT-B, 1024 px,
random weights, ``--instances`` box prompts) on CPU in a fresh process and reports the
process's peak resident memory (ru_maxrss) and the parameter/buffer counts. Run each
variant in its own process: peak RSS is per process.
"""
import argparse
import copy
import json
import os.path as osp
import resource
import time
from contextlib import contextmanager

import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config, DictAction
from mmengine.structures import InstanceData

from mmwesam.registry import MODELS
from mmwesam.utils import register_all_modules


def _samples(num: int, size: int) -> list:
    generator = torch.Generator().manual_seed(0)
    xy = torch.rand(num, 2, generator=generator) * (size * 0.7)
    wh = torch.rand(num, 2, generator=generator) * (size * 0.25) + 16
    instances = InstanceData(prompt_boxes=torch.cat([xy, xy + wh], 1))
    sample = DetDataSample(metainfo=dict(ori_shape=(size, size), img_shape=(size, size)))
    sample.gt_instances = instances
    return [sample]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--anchor', choices=['shared', 'copy'], default='shared')
    parser.add_argument('--config', default='configs/wesam/wesam_vit-b_box_2k_coco.py')
    parser.add_argument('--instances', type=int, default=40)
    parser.add_argument('--out', default=None, help='append the result to this json')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='e.g. model.segmentor.backbone.attn_impl=eager or '
                        'model.segmentor.backbone.checkpoint_blocks=True')
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    cfg.model.segmentor.init_cfg = None
    torch.manual_seed(0)  # the same random weights in every process
    model = MODELS.build(cfg.model)
    if args.anchor == 'copy':
        # What the reference code does: a second, frozen SAM as the anchor.
        frozen = copy.deepcopy(model.segmentor).requires_grad_(False)

        @contextmanager
        def copied_source():
            with torch.no_grad():
                yield frozen
        model.source_model = copied_source
        model.anchor_copy = frozen  # registered, so it counts in parameters()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 1e-4)
    size = cfg.model.segmentor.data_preprocessor.image_size
    image = torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
    data = dict(inputs=dict(weak=[image], strong=[image.clone()]),
                data_samples=dict(weak=_samples(args.instances, size),
                                  strong=_samples(args.instances, size)))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.time()
    processed = model.data_preprocessor(data, True)
    losses = model.loss(**processed)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    optimizer.step()
    seconds = time.time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = dict(
        anchor=args.anchor, instances=args.instances, image_size=size,
        options={k: str(v) for k, v in args.cfg_options.items()},
        parameters=sum(p.numel() for p in model.parameters()),
        trainable=sum(p.numel() for p in model.parameters() if p.requires_grad),
        buffers=sum(b.numel() for b in model.buffers()),
        peak_rss_mib=round(peak), rss_before_step_mib=round(before),
        step_seconds=round(seconds, 1),
        losses={k: float(v.detach()) for k, v in losses.items()})
    print(json.dumps(result, indent=2))
    if args.out:
        rows = json.load(open(args.out)) if osp.isfile(args.out) else []
        rows.append(result)
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
