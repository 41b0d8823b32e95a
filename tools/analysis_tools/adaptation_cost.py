"""Cost of WeSAM at real scale: mmwesam's configs against a rebuild of the paper's design.

    python tools/analysis_tools/adaptation_cost.py --grid vit-b      # 256-1024 px x 1-40 prompts
    python tools/analysis_tools/adaptation_cost.py --grid all        # + options, eval, ViT-L/H
                                                   # (~50 min on 2 CPU cores)
    python tools/analysis_tools/adaptation_cost.py --cells reference/vit_b/1024/10 \\
        default/vit_b/1024/10                                        # any subset
    python tools/analysis_tools/adaptation_cost.py --cells reference/vit_b/1024/10 \\
        default/vit_b/1024/10 --repeat 3     # 3 interleaved rounds: medians, ranges
    python tools/analysis_tools/adaptation_cost.py --list            # every cell name

A cell is ``VARIANT/ARCH/PIXELS/PROMPTS`` and runs in a process of its own (peak memory
is per process), on the same seed and inputs as every other cell: one WeSAM iteration
(forward, backward, Adam step) with random weights, a random image and its strong view,
and PROMPTS random boxes. It reports peak memory (peak RSS on CPU,
``torch.cuda.max_memory_allocated`` on CUDA) and seconds per iteration (wall clock, and
the process's CPU time, which other guests' steal on a shared machine does not inflate);
the report gives them as ratios to the ``reference`` cell of the same arch, size and
prompts, as Markdown (``table.md``) and JSON (``results.json``) in ``--out-dir``. With
``--repeat N`` the cells run N times, round after round (A B A B ...), so that the
machine's drift hits every cell alike; a row then reports the median of its runs, and
its time ratios are the medians of the ratios within a round, with their range.

``reference`` is the paper's design rebuilt in plain PyTorch + segment_anything.modeling:
a deep-copied frozen anchor, segment_anything's eager attention, fp32, separate teacher
and student encoder passes that both keep their graph, LoRA r=4 on q and v (added to
the qkv output in place, as the reference code does), all losses at image resolution.
Its losses equal mmwesam's on the same weights and inputs
(tests/test_tools/test_adaptation_cost.py). The other variants are mmwesam's config for
the arch with ``--cfg-options`` (``VARIANTS``); ``predict`` and ``sam-forward`` time
evaluation (10 boxes: mmwesam's ``predict`` against segment_anything's ``Sam.forward``).
"""
import argparse
import copy
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
from functools import partial
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmwesam.models.backbones.lora_vit import ARCH_SETTINGS
from mmwesam.registry import MODELS
from mmwesam.utils import register_all_modules
from mmwesam.utils.sam_import import import_sam_modeling

ARCHS = {
    'vit_b': 'configs/wesam/wesam_vit-b_box_2k_coco.py',
    'vit_l': 'configs/wesam/wesam_vit-l_box_2k_coco.py',
    'vit_h': 'configs/wesam/wesam_vit-h_box_2k_coco.py',
}
# mmwesam with every memory option off (its design before them, the paper's losses)
PLAIN = {'backbone.attn_impl': 'eager', 'head.checkpoint_chunks': False,
         'loss_chunk_size': None}
LATE = 'late'  # placeholder: the second half of the arch's blocks (see _variant_options)
VARIANTS: Dict[str, Tuple[str, dict]] = {
    'default': ('the shipped config', {}),
    'plain': ('every option off', PLAIN),
    'fused-attn': ('plain + fused attention', dict(PLAIN, **{'backbone.attn_impl': 'fused'})),
    'decoder-ckpt': ('plain + decoder chunks recomputed',
                     dict(PLAIN, **{'head.checkpoint_chunks': True})),
    'loss-chunks': ('plain + losses in chunks of 8 prompts',
                    dict(PLAIN, **{'loss_chunk_size': 8})),
    'block-ckpt': ('plain + every encoder block recomputed',
                   dict(PLAIN, **{'backbone.checkpoint_blocks': True})),
    'late-lora': ('plain + LoRA on the last half of the blocks',
                  dict(PLAIN, **{'backbone.lora.blocks': LATE})),
    'lowmem': ('the wesam-lowmem configs: default + every encoder block checkpointed, '
               'the attention kernel\'s output kept',
               {'backbone.checkpoint_blocks': True,
                'backbone.checkpoint_policy': 'keep_attention'}),
    'lowmem-recompute-all': ('lowmem recomputing everything (checkpoint_policy=all)',
                             {'backbone.checkpoint_blocks': True}),
    'lowmem-late': ('lowmem + LoRA on the last half of the blocks (the wesam-lowmem-late '
                    'configs)', {'backbone.checkpoint_blocks': True,
                                 'backbone.checkpoint_policy': 'keep_attention',
                                 'backbone.lora.blocks': LATE}),
}
EVAL_VARIANTS = {'predict': "mmwesam's predict (the config's PromptableSAM, eval mode)",
                 'sam-forward': "segment_anything's Sam.forward",
                 'alternating': 'both, image by image in one process (for their ratio)'}
GRIDS = {
    'vit-b': [f'{v}/vit_b/{s}/{p}' for s in (256, 512, 1024) for p in (1, 10, 40)
              for v in ('reference', 'default')],
    'options': [f'{v}/vit_b/1024/10' for v in VARIANTS if v != 'default'],
    'large': [f'{v}/{a}/1024/10' for a in ('vit_l', 'vit_h')
              for v in ('reference', 'default', 'lowmem', 'lowmem-late')],
    'eval': [f'{v}/vit_b/1024/10' for v in EVAL_VARIANTS],
}
GRIDS['all'] = GRIDS['vit-b'] + GRIDS['options'] + GRIDS['eval'] + GRIDS['large']


# ------------------------------------------------------------------ the inputs
def make_inputs(size: int, prompts: int, seed: int = 0) -> dict:
    """A random (3, size, size) uint8 image, its strong view, and boxes (N, 4) xyxy."""
    generator = torch.Generator().manual_seed(seed)
    weak = torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=generator)
    noise = torch.randint(-40, 41, (3, size, size), generator=generator)
    strong = (weak.int() + noise).clamp(0, 255).to(torch.uint8)
    xy = torch.rand(prompts, 2, generator=generator) * (size * 0.7)
    wh = torch.rand(prompts, 2, generator=generator) * (size * 0.25) + size / 64
    return dict(weak=weak, strong=strong, boxes=torch.cat([xy, xy + wh], 1))


def mmwesam_batch(inputs: dict) -> dict:
    """The inputs as a MultiBranch batch for SelfTrainingTeacher."""
    size = inputs['weak'].shape[-1]

    def samples():
        sample = DetDataSample(metainfo=dict(ori_shape=(size, size), img_shape=(size, size)))
        sample.gt_instances = InstanceData(prompt_boxes=inputs['boxes'].clone())
        return [sample]
    return dict(inputs=dict(weak=[inputs['weak']], strong=[inputs['strong']]),
                data_samples=dict(weak=samples(), strong=samples()))


# ------------------------------------------------------- the reference rebuild
class ReferenceLoRAQKV(nn.Module):
    """The reference code's LoRA on SAM's fused qkv: q and v get ``B A x`` in place."""

    def __init__(self, qkv: nn.Linear, rank: int) -> None:
        super().__init__()
        self.qkv = qkv
        self.dim = qkv.in_features
        self.a_q = nn.Linear(self.dim, rank, bias=False)
        self.b_q = nn.Linear(rank, self.dim, bias=False)
        self.a_v = nn.Linear(self.dim, rank, bias=False)
        self.b_v = nn.Linear(rank, self.dim, bias=False)
        nn.init.zeros_(self.b_q.weight)
        nn.init.zeros_(self.b_v.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qkv = self.qkv(x)
        qkv[..., :self.dim] += self.b_q(self.a_q(x))
        qkv[..., -self.dim:] += self.b_v(self.a_v(x))
        return qkv


def _dice(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    probs = logits.sigmoid().flatten(1)
    target = target.flatten(1).float()
    return (1 - (2 * (probs * target).sum(1) + eps)
            / (probs.sum(1) + target.sum(1) + eps)).mean()


def _focal(logits: torch.Tensor, target: torch.Tensor, alpha: float = 0.25,
           gamma: float = 2.0) -> torch.Tensor:
    target = target.float()
    probs = logits.sigmoid()
    pt = (1 - probs) * target + probs * (1 - target)
    weight = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma)
    return (F.binary_cross_entropy_with_logits(logits, target, reduction='none')
            * weight).mean()


def _pooled(embedding: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Mean of normalised features inside each predicted mask (soft if it is empty)."""
    features = F.normalize(embedding, dim=0).flatten(1)
    probs = F.interpolate(logits.detach()[:, None], embedding.shape[-2:], mode='bilinear',
                          align_corners=False)[:, 0].sigmoid().flatten(1)
    weights = (probs > 0.5).float()
    weights = torch.where((weights.sum(1) == 0)[:, None], probs, weights)
    return weights @ features.t() / weights.sum(1, keepdim=True).clamp(min=1e-6)


class ReferenceWeSAM(nn.Module):
    """The paper's WeSAM step on segment_anything's ``Sam`` (see the module docstring).

    Args:
        segmentor: a PromptableSAM config (its encoder/head sizes are used; the
            rebuild is plain segment_anything, whatever the config's options say).
        rank: LoRA rank on q and v; ``None``: plain SAM (Direct evaluation).
        temperature, anchor_weight, contrast_weight: the paper's terms (20 x focal +
            dice + IoU MSE against the teacher's masks, 0.5 / 0.5 anchor Dice, InfoNCE),
            weighted as a WeSAM config weights them (:meth:`from_config`).
    """

    def __init__(self, segmentor: dict, rank: Optional[int] = 4, temperature: float = 0.3,
                 anchor_weight: float = 1.0, contrast_weight: float = 1.0) -> None:
        super().__init__()
        sam = import_sam_modeling()
        backbone, head = segmentor['backbone'], segmentor['head']
        arch = backbone['arch']
        arch = ARCH_SETTINGS[arch] if isinstance(arch, str) else arch
        size = backbone.get('img_size', 1024)
        encoder = sam.ImageEncoderViT(
            img_size=size, patch_size=backbone.get('patch_size', 16),
            embed_dim=arch['embed_dim'], depth=arch['depth'], num_heads=arch['num_heads'],
            mlp_ratio=backbone.get('mlp_ratio', 4.0), out_chans=backbone.get('out_chans', 256),
            qkv_bias=True, norm_layer=partial(nn.LayerNorm, eps=1e-6), use_rel_pos=True,
            window_size=backbone.get('window_size', 14),
            global_attn_indexes=tuple(arch.get('global_attn_indexes', ())))
        grid = head['image_embedding_size']
        embed_dim = head.get('embed_dim', 256)
        transformer = dict(depth=2, mlp_dim=2048, num_heads=8)
        transformer.update(head.get('transformer', {}))
        self.sam = sam.Sam(
            image_encoder=encoder,
            prompt_encoder=sam.PromptEncoder(
                embed_dim=embed_dim, image_embedding_size=(grid, grid),
                input_image_size=(size, size), mask_in_chans=head.get('mask_in_chans', 16)),
            mask_decoder=sam.MaskDecoder(
                num_multimask_outputs=3,
                transformer=sam.TwoWayTransformer(embedding_dim=embed_dim, **transformer),
                transformer_dim=embed_dim, iou_head_depth=3,
                iou_head_hidden_dim=head.get('iou_head_hidden_dim', 256)))
        self.sam.requires_grad_(False)
        self.rank = rank
        for block in self.sam.image_encoder.blocks if rank else ():
            block.attn.qkv = ReferenceLoRAQKV(block.attn.qkv, rank)
        self.temperature = temperature
        self.anchor_weight = anchor_weight
        self.contrast_weight = contrast_weight
        self.anchor: Optional[nn.Module] = None

    @classmethod
    def from_config(cls, model: dict, rank: Optional[int] = 4) -> 'ReferenceWeSAM':
        """The rebuild with a SelfTrainingTeacher config's sizes and loss weights."""
        for key, value in (('self_training_weight', 1.0),
                           ('loss_anchor.student_weight', 0.5),
                           ('loss_anchor.teacher_weight', 0.5)):
            node = model
            for part in key.split('.'):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if node not in ({}, value):
                raise ValueError(f'the rebuild has the paper\'s {key}={value}, '
                                 f'the config {node}')
        return cls(model['segmentor'], rank,
                   temperature=model['loss_contrast'].get('temperature', 0.3),
                   anchor_weight=model['loss_anchor'].get('loss_weight', 1.0),
                   contrast_weight=model['loss_contrast'].get('loss_weight', 1.0))

    def load_mmwesam(self, state: Dict[str, torch.Tensor]) -> None:
        """Weights of a PromptableSAM (official names, ``lora_A_q`` ...) into the rebuild."""
        mapped = {}
        for name, value in state.items():
            if '.lora_' in name and not self.rank:
                continue
            if '.lora_' in name:
                prefix, factor = name.rsplit('.lora_', 1)     # 'A_q' / 'B_v'
                kind, part = factor.split('_')
                name = f'{prefix}.{kind.lower()}_{part}.weight'
            elif '.attn.qkv.' in name and self.rank:
                name = name.replace('.attn.qkv.', '.attn.qkv.qkv.')
            mapped[name.replace('backbone.', 'image_encoder.', 1)
                   .replace('head.', '', 1)] = value
        missing, unexpected = self.sam.load_state_dict(mapped, strict=False)
        missing = [k for k in missing if not k.startswith('pixel_')]
        if missing or unexpected:
            raise KeyError(f'weights do not fit the rebuild: missing {missing[:5]}, '
                           f'unexpected {unexpected[:5]}')

    def make_anchor(self) -> None:
        """The paper's anchor: a deep copy of the source model, frozen."""
        self.anchor = copy.deepcopy(self.sam).requires_grad_(False)

    def lora_parameters(self) -> List[nn.Parameter]:
        return [p for n, p in self.sam.named_parameters() if '.a_' in n or '.b_' in n]

    def train_lora(self) -> None:
        for param in self.lora_parameters():
            param.requires_grad = True

    def decode(self, model: nn.Module, embedding: torch.Tensor, boxes: torch.Tensor):
        sparse, dense = model.prompt_encoder(points=None, boxes=boxes, masks=None)
        return model.mask_decoder(
            image_embeddings=embedding[None], image_pe=model.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
            multimask_output=False)

    def losses(self, weak: torch.Tensor, strong: torch.Tensor, boxes: torch.Tensor,
               original_size: Tuple[int, int]) -> Dict[str, torch.Tensor]:
        """One image's WeSAM losses; ``weak``/``strong`` normalised (1, 3, S, S)."""
        model = self.sam
        input_size = tuple(original_size)
        with torch.no_grad():
            anchor_embedding = self.anchor.image_encoder(weak)[0]
            anchor_low, _ = self.decode(self.anchor, anchor_embedding, boxes)
        teacher_embedding = model.image_encoder(weak)[0]
        student_embedding = model.image_encoder(strong)[0]
        teacher_low, _ = self.decode(model, teacher_embedding, boxes)
        student_low, student_iou = self.decode(model, student_embedding, boxes)
        full = partial(model.postprocess_masks, input_size=input_size,
                       original_size=tuple(original_size))
        teacher, student, anchor = full(teacher_low), full(student_low), full(anchor_low)
        pseudo = teacher.detach() > 0
        flat_student, flat_pseudo = student[:, 0].flatten(1), pseudo[:, 0].flatten(1)
        with torch.no_grad():
            pred = flat_student > 0
            union = (pred | flat_pseudo).sum(1).float()
            iou = torch.where(union > 0, (pred & flat_pseudo).sum(1).float()
                              / union.clamp(min=1), torch.ones_like(union))
        anchor_target = anchor[:, 0] > 0
        teacher_feat = F.normalize(_pooled(teacher_embedding, teacher_low[:, 0]), dim=1)
        with torch.no_grad():
            anchor_feat = F.normalize(_pooled(anchor_embedding, anchor_low[:, 0]), dim=1)
        logits = teacher_feat @ anchor_feat.t() / self.temperature
        losses = dict(
            loss_st_focal=20 * _focal(flat_student, flat_pseudo),
            loss_st_dice=_dice(student[:, 0], pseudo[:, 0]),
            loss_st_iou=F.mse_loss(student_iou[:, 0], iou),
            loss_anchor=self.anchor_weight * (0.5 * _dice(student[:, 0], anchor_target)
                                              + 0.5 * _dice(teacher[:, 0], anchor_target)))
        if len(boxes) >= 2:
            losses['loss_contrast'] = self.contrast_weight * F.cross_entropy(
                logits, torch.arange(len(boxes), device=logits.device))
        return losses


# ------------------------------------------------------------------ one cell
def _variant_options(variant: str, depth: int) -> Dict[str, object]:
    options = {}
    for key, value in VARIANTS[variant][1].items():
        options[key] = list(range(-(depth // 2), 0)) if value == LATE else value
    return options


def _config(arch: str, size: int, options: Dict[str, object], archs: Dict[str, str]):
    cfg = Config.fromfile(archs[arch])
    seg = cfg.model.segmentor
    seg.data_preprocessor.image_size = size
    seg.backbone.img_size = size
    stride = seg.backbone.get('patch_size', 16)
    seg.head.image_embedding_size = size // stride
    seg.head.input_image_size = size
    cfg.merge_from_dict({f'model.segmentor.{k}': v for k, v in options.items()})
    cfg.model.segmentor.init_cfg = None
    return cfg


def _peak_mib(device: torch.device) -> float:
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _steal_seconds() -> Optional[float]:
    """CPU time the hypervisor gave other guests, machine-wide (Linux ``/proc/stat``)."""
    try:
        with open('/proc/stat') as f:
            fields = f.readline().split()
        return int(fields[8]) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError):
        return None


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def run_cell(cell: str, archs: Dict[str, str], steps: int = 1, device: str = 'cpu',
             amp: bool = False, eval_images: int = 3, seed: int = 0) -> dict:
    """Run one cell in this process and return its measurements."""
    register_all_modules()
    variant, arch, size, prompts = cell.split('/')
    size, prompts = int(size), int(prompts)
    device = torch.device(device)
    encoder_arch = Config.fromfile(archs[arch]).model.segmentor.backbone.arch
    depth = (ARCH_SETTINGS[encoder_arch] if isinstance(encoder_arch, str)
             else encoder_arch)['depth']
    options = _variant_options(variant, depth) if variant in VARIANTS else {}
    cfg = _config(arch, size, options, archs)
    inputs = make_inputs(size, prompts, seed)
    autocast = partial(torch.autocast, device.type, dtype=torch.bfloat16, enabled=amp)
    result = dict(cell=cell, variant=variant, arch=arch, pixels=size, prompts=prompts,
                  device=str(device), amp='bf16' if amp else 'fp32',
                  threads=torch.get_num_threads(), options={k: str(v) for k, v in
                                                            options.items()})
    torch.manual_seed(seed)  # the same random weights for every mmwesam variant
    if variant in EVAL_VARIANTS:
        result.update(_eval_cell(variant, cfg, inputs, device, autocast, eval_images))
        return result
    if variant == 'reference':
        model = ReferenceWeSAM.from_config(cfg.model)
        torch.manual_seed(seed)
        source = MODELS.build(cfg.model)  # the random weights every other cell has
        model.load_mmwesam(source.segmentor.state_dict())
        del source
        model = model.to(device)
        model.make_anchor()
        model.train_lora()
        params = model.lora_parameters()
        mean = torch.tensor([123.675, 116.28, 103.53], device=device).view(-1, 1, 1)
        std = torch.tensor([58.395, 57.12, 57.375], device=device).view(-1, 1, 1)

        def step():
            # the same RGB-normalised input as SAMDataPreprocessor gives mmwesam
            weak, strong = [((inputs[k].to(device).flip(0).float() - mean) / std)[None]
                            for k in ('weak', 'strong')]
            with autocast():
                losses = model.losses(weak, strong, inputs['boxes'].to(device), (size, size))
            return losses
    else:
        model = MODELS.build(cfg.model).to(device)
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]

        def step():
            data = model.data_preprocessor(mmwesam_batch(inputs), True)
            with autocast():
                losses = model.loss(**data)
            return losses
    optimizer = torch.optim.Adam(params, lr=1e-4)
    result['parameters'] = sum(p.numel() for p in model.parameters())
    result['trainable'] = sum(p.numel() for p in params)
    result['peak_after_build_mib'] = round(_peak_mib(device))
    times, cpu_times, steals = [], [], []
    for _ in range(steps):
        _sync(device)
        start, cpu_start, steal_start = time.perf_counter(), time.process_time(), \
            _steal_seconds()
        losses = step()
        total = sum(v for k, v in losses.items() if k.startswith('loss'))
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        _sync(device)
        times.append(time.perf_counter() - start)
        # this process's CPU time (user + system, all threads): on a shared machine it
        # does not count the time other guests take (steal), which the wall clock does
        cpu_times.append(time.process_time() - cpu_start)
        steal_end = _steal_seconds()
        steals.append(None if steal_end is None or steal_start is None
                      else steal_end - steal_start)
    # with several steps the first (allocator and kernel warm-up) is not timed
    first = 1 if len(times) > 1 else 0
    timed, cpu_timed, steal_timed = times[first:], cpu_times[first:], steals[first:]
    if device.type == 'cpu':  # on CUDA the host's CPU time is mostly waiting
        result['cpu_seconds_per_iter'] = round(sum(cpu_timed) / len(cpu_timed), 2)
        if None not in steal_timed:
            result['steal_seconds_per_iter'] = round(sum(steal_timed) / len(steal_timed), 2)
    result.update(peak_mib=round(_peak_mib(device)),
                  seconds_per_iter=round(sum(timed) / len(timed), 2),
                  losses={k: round(float(v.detach()), 6) for k, v in losses.items()
                          if k.startswith('loss')})
    return result


def _predictor(variant: str, segmentor, cfg, inputs: dict, device: torch.device):
    """A function that segments the inputs' image with its boxes, masks at image size."""
    size = inputs['weak'].shape[-1]
    if variant == 'sam-forward':
        reference = ReferenceWeSAM.from_config(cfg.model, rank=None)  # Direct: no LoRA
        reference.load_mmwesam(segmentor.state_dict())
        sam = reference.sam.to(device).eval()

        def predict():
            batch = [dict(image=inputs['weak'].to(device).flip(0).float(),
                          boxes=inputs['boxes'].to(device), original_size=(size, size))]
            return sam(batch, multimask_output=False)[0]['masks']
        return predict

    def predict():
        sample = DetDataSample(metainfo=dict(ori_shape=(size, size), img_shape=(size, size)))
        sample.gt_instances = InstanceData(prompt_boxes=inputs['boxes'].clone())
        data = segmentor.data_preprocessor(
            dict(inputs=[inputs['weak']], data_samples=[sample]), False)
        return segmentor.predict(**data)[0].pred_instances.masks
    return predict


def _eval_cell(variant: str, cfg, inputs: dict, device: torch.device, autocast,
               images: int) -> dict:
    segmentor = MODELS.build(cfg.model.segmentor).to(device).eval()
    names = ['predict', 'sam-forward'] if variant == 'alternating' else [variant]
    predictors = {name: _predictor(name, segmentor, cfg, inputs, device) for name in names}
    seconds = {name: 0.0 for name in names}
    with torch.no_grad(), autocast():
        masks = {name: predict() for name, predict in predictors.items()}  # warm-up
        for _ in range(images):  # alternating: a drift of the machine hits both alike
            for name, predict in predictors.items():
                _sync(device)
                start = time.perf_counter()
                masks[name] = predict()
                _sync(device)
                seconds[name] += time.perf_counter() - start
    result = dict(peak_mib=round(_peak_mib(device)))
    if variant == 'alternating':
        result.update({f'{name}_images_per_second': round(images / seconds[name], 4)
                       for name in names})
        result['images_per_second'] = result['predict_images_per_second']
        result['speedup_vs_sam_forward'] = round(seconds['sam-forward'] / seconds['predict'],
                                                 3)
        result['foreground'] = {name: int(m.sum()) for name, m in masks.items()}
        return result
    result.update(seconds_per_image=round(seconds[variant] / images, 2),
                  images_per_second=round(images / seconds[variant], 4),
                  foreground=int(masks[variant].sum()))
    return result


# ------------------------------------------------------------------ the report
def _ratio(value: Optional[float], base: Optional[float]) -> str:
    return f'{value / base:.2f}x' if value is not None and base else '-'


def _memory_ratio(row: Optional[dict], ref: Optional[dict]) -> str:
    """The ratio to the reference's peak; an upper bound where the reference did not fit."""
    if not row or 'error' in row or not ref:
        return '-'
    if 'error' in ref:
        limit = ref['error'][2:].split()[0] if ref['error'].startswith('> ') else None
        return f'< {row["peak_mib"] / (float(limit) * 1024):.2f}x' if limit else '-'
    return _ratio(row['peak_mib'], ref['peak_mib'])


def _round_ratios(row: dict, ref: dict, key: str = 'seconds_per_iter') -> List[float]:
    """Time ratios to the reference within each round both ran in (``--repeat``)."""
    mine, theirs = row.get('runs', []), ref.get('runs', [])
    return [a[key] / b[key] for a, b in zip(mine, theirs) if a.get(key) and b.get(key)]


def _time_ratio(row: Optional[dict], ref: Optional[dict],
                key: str = 'seconds_per_iter') -> str:
    """The time ratio to the reference (``key``: wall or CPU seconds): of medians, or with
    rounds the median ratio within a round and its range."""
    if not row or not ref or 'error' in row or 'error' in ref or key not in row \
            or key not in ref:
        return '-'
    if row is ref:
        return '1.00x'
    ratios = _round_ratios(row, ref, key)
    if len(ratios) > 1:
        return (f'{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}, '
                f'{len(ratios)} rounds)')
    return _ratio(row[key], ref[key])


def _combine(runs: List[dict]) -> dict:
    """One row from a cell's runs: the last run's fields, the medians of its measurements,
    every run kept under ``runs``."""
    if len(runs) == 1:
        return runs[0]
    good = [r for r in runs if 'error' not in r]
    if not good:
        return dict(runs[-1], runs=runs)
    row = dict(good[-1], runs=runs)
    for key in ('peak_mib', 'seconds_per_iter', 'cpu_seconds_per_iter',
                'steal_seconds_per_iter', 'images_per_second'):
        values = [r[key] for r in good if key in r]
        if values:
            row[key] = round(statistics.median(values), 4 if key == 'images_per_second'
                             else 2)
    return row


def _cell_str(row: Optional[dict], key: str, fmt: str = '{:,}') -> str:
    if row is None:
        return '-'
    if 'error' in row:
        return row['error']
    return fmt.format(row[key])


def report(rows: List[dict]) -> str:
    """Markdown tables: the grid, the options, evaluation, growth."""
    by_cell = {r['cell']: r for r in rows}

    def ref_of(row):
        return by_cell.get(f"reference/{row['arch']}/{row['pixels']}/{row['prompts']}")

    def value(row, key):
        return row.get(key) if row and 'error' not in row else None
    lines = []
    first = rows[0] if rows else {}
    lines.append(f"Device {first.get('device')}, {first.get('threads')} threads, "
                 f"{first.get('amp')}; one iteration (forward, backward, Adam), random "
                 'weights; memory: peak RSS (CPU) or max_memory_allocated (CUDA), MiB; '
                 'CPU time: user + system seconds of the process, all threads (what other '
                 "guests' steal does not inflate).\n")
    train = [r for r in rows if r['variant'] not in EVAL_VARIANTS]
    lines += ['| variant | arch | px | prompts | peak MiB | s / iter | memory vs reference '
              '| time vs reference | CPU time vs reference |',
              '|---|---|---|---|---|---|---|---|---|']
    order = ['reference'] + list(VARIANTS)
    archs = list(ARCHS)
    for row in sorted(train, key=lambda r: (archs.index(r['arch']) if r['arch'] in archs
                                            else len(archs), r['arch'], r['pixels'],
                                            r['prompts'], order.index(r['variant']))):
        ref = ref_of(row)
        seconds = '-' if 'error' in row else f"{row['seconds_per_iter']:.1f}"
        lines.append(
            f"| {row['variant']} | {row['arch']} | {row['pixels']} | {row['prompts']} | "
            f"{_cell_str(row, 'peak_mib')} | {seconds} | {_memory_ratio(row, ref)} | "
            f"{_time_ratio(row, ref)} | {_time_ratio(row, ref, 'cpu_seconds_per_iter')} |")
    growth = []
    for variant in ('reference', 'default'):
        for arch in sorted({r['arch'] for r in train}):
            for size in sorted({r['pixels'] for r in train}):
                ten = value(by_cell.get(f'{variant}/{arch}/{size}/10'), 'peak_mib')
                forty = value(by_cell.get(f'{variant}/{arch}/{size}/40'), 'peak_mib')
                one = value(by_cell.get(f'{variant}/{arch}/{size}/1'), 'peak_mib')
                if ten and (forty or one):
                    growth.append(f'| {variant} | {arch} | {size} | {_ratio(one, ten)} | '
                                  f'{_ratio(forty, ten)} |')
    if growth:
        lines += ['', 'Memory with the prompt count, as a ratio to 10 prompts:', '',
                  '| variant | arch | px | 1 prompt | 40 prompts |', '|---|---|---|---|---|']
        lines += growth
    evals = [r for r in rows if r['variant'] in EVAL_VARIANTS]
    if evals:
        lines += ['', 'Evaluation (no gradient, masks at image resolution):', '',
                  '| variant | arch | px | prompts | images / s | vs Sam.forward | '
                  'peak MiB |', '|---|---|---|---|---|---|---|']
        for row in evals:
            base = by_cell.get(f"sam-forward/{row['arch']}/{row['pixels']}/{row['prompts']}")
            if row['variant'] == 'alternating' and 'error' not in row:
                base = dict(images_per_second=row['sam-forward_images_per_second'])
            lines.append(
                f"| {row['variant']} | {row['arch']} | {row['pixels']} | {row['prompts']} | "
                f"{_cell_str(row, 'images_per_second', '{:.4f}')} | "
                f"{_ratio(value(row, 'images_per_second'), value(base, 'images_per_second'))}"
                f" | {_cell_str(row, 'peak_mib')} |")
    lines += ['', 'Variants: ' + '; '.join(f'`{k}`: {v[0]}' for k, v in VARIANTS.items())
              + '; `reference`: the paper\'s design rebuilt (module docstring).']
    return '\n'.join(lines) + '\n'


def _spawn(cell: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, osp.abspath(__file__), '--run-cell', cell,
               '--steps', str(args.steps), '--device', args.device,
               '--eval-images', str(args.eval_images)]
    for name, path in args.arch_config:
        command += ['--arch-config', f'{name}={path}']
    if args.amp:
        command.append('--amp')
    limit = int(args.memory_limit_gib * 2**30)

    def limit_memory():  # a cell that does not fit fails alone, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    start = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env,
                          preexec_fn=limit_memory if args.device == 'cpu' else None)
    lines = [line for line in done.stdout.splitlines() if line.startswith('{')]
    if done.returncode == 0 and lines:
        return json.loads(lines[-1])
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ['no output']
    out_of_memory = 'alloc' in tail[0].lower() or 'memory' in tail[0].lower() \
        or done.returncode in (-9, 137)
    variant, arch, size, prompts = cell.split('/')
    return dict(cell=cell, variant=variant, arch=arch, pixels=int(size),
                prompts=int(prompts), device=args.device, threads=args.threads,
                amp='bf16' if args.amp else 'fp32', seconds_run=round(time.time() - start),
                error=(f'> {args.memory_limit_gib:g} GiB' if out_of_memory
                       else f'failed: {tail[0][:120]}'))


def _default_limit_gib() -> float:
    """The machine's memory less 2 GiB (for the system and this parent process)."""
    try:
        with open('/proc/meminfo') as f:
            total_kib = int(f.readline().split()[1])
        return round(total_kib / 2**20 - 2, 1)
    except (OSError, ValueError, IndexError):
        return 64.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--grid', choices=sorted(GRIDS), action='append', default=[],
                        help='a named set of cells (repeatable)')
    parser.add_argument('--cells', nargs='+', default=[], help='VARIANT/ARCH/PIXELS/PROMPTS')
    parser.add_argument('--list', action='store_true', help='print the cells of every grid')
    parser.add_argument('--out-dir', default='work_dirs/adaptation_cost')
    parser.add_argument('--steps', type=int, default=1, help='iterations per cell; with '
                        'more than one the first is not timed')
    parser.add_argument('--repeat', type=int, default=1,
                        help='run the cells this many times, round after round; rows '
                        'report medians and time ratios within rounds')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true', help='bf16 autocast')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--eval-images', type=int, default=3)
    parser.add_argument('--memory-limit-gib', type=float, default=_default_limit_gib(),
                        help='address-space limit of each CPU cell')
    parser.add_argument('--arch-config', nargs='+', default=[], metavar='NAME=CONFIG',
                        type=lambda s: tuple(s.split('=', 1)),
                        help='an arch name for cells and its WeSAM config (small tests)')
    parser.add_argument('--run-cell', help=argparse.SUPPRESS)
    args = parser.parse_args()
    archs = dict(ARCHS, **dict(args.arch_config))
    if args.list:
        for name, cells in GRIDS.items():
            print(f'{name}: ' + ' '.join(cells))
        return
    if args.run_cell:  # the child process
        torch.set_flush_denormal(True)
        torch.set_num_threads(args.threads)
        print(json.dumps(run_cell(args.run_cell, archs, args.steps, args.device, args.amp,
                                  args.eval_images)))
        return
    cells = [c for g in args.grid for c in GRIDS[g]] + args.cells
    if not cells:
        parser.error('name cells with --cells or --grid (see --list)')
    for cell in cells:
        parts = cell.split('/')
        if len(parts) != 4 or parts[0] not in (*VARIANTS, 'reference', *EVAL_VARIANTS) \
                or parts[1] not in archs:
            parser.error(f'bad cell {cell!r}: VARIANT/ARCH/PIXELS/PROMPTS with VARIANT in '
                         f'{["reference", *VARIANTS, *EVAL_VARIANTS]} and ARCH in '
                         f'{sorted(archs)}')
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')
    os.makedirs(args.out_dir, exist_ok=True)
    json_path = osp.join(args.out_dir, 'results.json')
    rows = json.load(open(json_path)) if osp.isfile(json_path) else []
    todo = []
    for cell in dict.fromkeys(cells):  # cells already measured are kept (resumable)
        done = next((r for r in rows if r['cell'] == cell and 'error' not in r), None)
        if done is not None and len(done.get('runs', [done])) >= args.repeat:
            print(f'[adaptation_cost] {cell}: kept from {json_path}')
        else:
            todo.append(cell)
    runs: Dict[str, List[dict]] = {cell: [] for cell in todo}
    for round_index in range(args.repeat):  # round after round: drift hits every cell
        for cell in todo:
            run = _spawn(cell, args)
            runs[cell].append(run)
            row = _combine(runs[cell])
            rows = [r for r in rows if r['cell'] != cell] + [row]
            rounds = f' (round {round_index + 1}/{args.repeat})' if args.repeat > 1 else ''
            print(f"[adaptation_cost] {cell}{rounds}: " + (run.get('error') or
                  f"{run['peak_mib']:,} MiB, " + (f"{run['seconds_per_iter']} s/iter, "
                                                  f"{run.get('cpu_seconds_per_iter')} CPU s, "
                                                  f"steal {run.get('steal_seconds_per_iter')} s"
                                                  if 'seconds_per_iter' in run else
                                                  f"{run['images_per_second']} images/s")),
                  flush=True)
            with open(json_path, 'w') as f:
                json.dump(rows, f, indent=1)
            with open(osp.join(args.out_dir, 'table.md'), 'w') as f:
                f.write(report(rows))
    with open(osp.join(args.out_dir, 'table.md'), 'w') as f:
        f.write(report(rows))
    print(report(rows))


if __name__ == '__main__':
    main()
