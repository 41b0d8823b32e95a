"""WeSAM: anchor / teacher / student self-training of a PromptableSAM."""
import copy
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from mmdet.models.utils import reweight_loss_dict
from mmdet.structures import DetDataSample

from mmwesam.registry import MODELS
from .base import FiniteLossModel
from .sam import PromptableSAM, SampleList


def _buffer_name(parameter_name: str) -> str:
    return parameter_name.replace('.', '__')


def split_branches(inputs: dict,
                   data_samples: dict) -> Tuple[torch.Tensor, torch.Tensor, list, list]:
    """The weak and strong views of a MultiBranch batch."""
    for branch in ('weak', 'strong'):
        if branch not in inputs:
            raise KeyError(f'self-training needs a "{branch}" branch in the pipeline '
                           f'(MultiBranch), got {sorted(inputs)}')
    return inputs['weak'], inputs['strong'], data_samples['weak'], data_samples['strong']


@MODELS.register_module()
class SelfTrainingTeacher(FiniteLossModel):
    """Source-free self-training of SAM with an anchor (WeSAM, CVPR 2024).

    Per image, with the same prompts in all three branches:

    - **anchor**: the source model on the weak view, no gradient;
    - **teacher**: the adapted model on the weak view; its masks (> 0) are the pseudo
      labels;
    - **student**: the adapted model on the strong view.

    Teacher and student are the same network (shared weights) unless
    ``ema_teacher=True`` (a Mean-Teacher baseline, updated by ``TeacherUpdateHook``).

    The anchor needs no copy of the network: the low-rank branch is switched off and
    only the parameters that train *besides* it (if the config unfreezes any: decoder,
    LayerNorm, full fine-tune) are kept as frozen source copies, swapped in for the
    anchor pass. With the default LoRA-only training that is nothing at all.

    Args:
        segmentor: a ``PromptableSAM`` config (its ``trainable`` decides what adapts).
        loss_anchor: anchor regularisation (``None`` disables it).
        loss_contrast: instance contrastive loss (``None`` disables it).
        self_training_weight: weight of the self-training terms (focal, dice, IoU).
        ema_teacher: keep a separate teacher updated by EMA instead of sharing weights.
        prompt_generator: e.g. ``GridPromptGenerator`` for prompt-free adaptation:
            the anchor finds the prompts, the weak labels are not used.
        share_frozen_prefix: with late LoRA (the first encoder blocks frozen and
            without a low-rank branch), run those blocks on the weak view once and
            give their output to both the anchor and the teacher. Exact: the anchor's
            embeddings are bit-equal to the source model's.
    """

    def __init__(self, segmentor: dict, data_preprocessor: Optional[dict] = None,
                 loss_anchor: Optional[dict] = dict(type='AnchorLoss'),
                 loss_contrast: Optional[dict] = dict(type='InstanceContrastLoss',
                                                      temperature=0.3),
                 self_training_weight: float = 1.0, ema_teacher: bool = False,
                 prompt_generator: Optional[dict] = None,
                 share_frozen_prefix: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        segmentor = copy.deepcopy(segmentor)
        if data_preprocessor is None:
            data_preprocessor = segmentor.get('data_preprocessor') or \
                dict(type='SAMDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor: PromptableSAM = MODELS.build(segmentor)
        self.loss_anchor = MODELS.build(loss_anchor) if loss_anchor else None
        self.loss_contrast = MODELS.build(loss_contrast) if loss_contrast else None
        self.self_training_weight = self_training_weight
        self.prompt_generator = MODELS.build(prompt_generator) if prompt_generator else None
        self.share_frozen_prefix = share_frozen_prefix

        # Frozen source values of exactly the parameters that change besides LoRA.
        self.changed_parameter_names: List[str] = [
            name for name, param in self.segmentor.named_parameters()
            if param.requires_grad and '.lora_' not in name]
        self.source_copies = nn.Module()
        for name in self.changed_parameter_names:
            self.source_copies.register_buffer(
                _buffer_name(name), self.segmentor.get_parameter(name).detach().clone())
        self.ema_segmentor: Optional[PromptableSAM] = None
        if ema_teacher:
            self.ema_segmentor = copy.deepcopy(self.segmentor)
            self.ema_segmentor.requires_grad_(False)

    # ------------------------------------------------------------------ roles
    @property
    def student(self) -> PromptableSAM:
        return self.segmentor

    @property
    def teacher(self) -> PromptableSAM:
        return self.ema_segmentor if self.ema_segmentor is not None else self.segmentor

    @contextmanager
    def source_model(self) -> Iterator[PromptableSAM]:
        """The segmentor with source weights (LoRA off, source copies in), no grad.

        Swapping parameter storage is only safe while no autograd graph that uses
        those parameters is alive: the anchor pass therefore runs first in ``loss``.
        """
        backbone = self.segmentor.backbone
        lora_off = backbone.lora_disabled() if hasattr(backbone, 'lora_disabled') \
            else nullcontext()
        swapped = []
        with torch.no_grad(), lora_off:
            try:
                for name in self.changed_parameter_names:
                    param = self.segmentor.get_parameter(name)
                    swapped.append((param, param.data))
                    param.data = getattr(self.source_copies, _buffer_name(name))
                yield self.segmentor
            finally:
                for param, data in swapped:
                    param.data = data

    def refresh_source_copies(self) -> None:
        """Take the current segmentor weights as the source (after loading them)."""
        for name in self.changed_parameter_names:
            getattr(self.source_copies, _buffer_name(name)).copy_(
                self.segmentor.get_parameter(name).detach())
        if self.ema_segmentor is not None:
            self.ema_segmentor.load_state_dict(self.segmentor.state_dict())

    def init_weights(self) -> None:
        self.segmentor.init_weights()
        self.refresh_source_copies()
        self._is_init = True

    def load_sam_checkpoint(self, filename: str) -> None:
        """A whole SelfTrainingTeacher checkpoint, or source weights for the segmentor."""
        from mmwesam.models.utils import load_sam_state_dict, read_checkpoint
        keys = read_checkpoint(filename).keys()
        if any(k.startswith('segmentor.') for k in keys) and \
                all(k in keys for k in self.state_dict()):
            load_sam_state_dict(self, filename)
            return
        self.segmentor.load_sam_checkpoint(filename)
        self.refresh_source_copies()

    # ----------------------------------------------------------------- losses
    def shared_prefix_depth(self) -> int:
        """Encoder blocks whose weak-view output the anchor and teacher can share."""
        backbone = self.segmentor.backbone
        if not self.share_frozen_prefix or self.ema_segmentor is not None or \
                not hasattr(backbone, 'frozen_prefix_depth'):
            return 0
        return backbone.frozen_prefix_depth()

    def anchor_prompts(self, samples: List[DetDataSample],
                       prompts: List[Optional[Dict[str, torch.Tensor]]]
                       ) -> List[Optional[Dict[str, torch.Tensor]]]:
        """The prompts the anchor decodes with: WeSAM's are the teacher's and the
        student's (one prompt for all three branches)."""
        return prompts

    def instance_extras(self, sample: DetDataSample, prompt_type: str
                        ) -> Tuple[torch.Tensor, ...]:
        """Per-instance tensors (first dimension: the instance) that
        :meth:`instance_losses` receives, chunked with the logits. WeSAM needs none."""
        return ()

    def pseudo_labels(self, teacher_crop: torch.Tensor, *extras: torch.Tensor,
                      sample: DetDataSample) -> torch.Tensor:
        """The teacher's masks (logits > 0) at the loss resolution: WeSAM's pseudo labels."""
        return teacher_crop.detach() > 0

    def image_losses(self, sample: DetDataSample, prompt_type: str,
                     student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                     weak_image: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Extra terms of one image on the decoder's low-res (N, 256, 256) logits, given
        the weak view's (3, S, S) input. WeSAM has none."""
        return {}

    def instance_losses(self, student_logits: torch.Tensor, student_iou: torch.Tensor,
                        teacher_logits: torch.Tensor, anchor_logits: torch.Tensor,
                        *extras: torch.Tensor, sample: DetDataSample
                        ) -> Dict[str, torch.Tensor]:
        """Self-training and anchor terms of some prompts of one image (means over them).

        All logits are the decoder's low-res (N, h, w); they are compared at the
        segmentor's loss resolution (see ``PromptableSAM.loss_logits``). ``extras`` are
        those of :meth:`instance_extras`, for the same prompts.
        """
        seg = self.segmentor
        teacher_crop = seg.loss_logits(teacher_logits, sample)
        student_crop = seg.loss_logits(student_logits, sample)
        pseudo_labels = self.pseudo_labels(teacher_crop, *extras, sample=sample)
        losses = reweight_loss_dict(
            seg.mask_losses(student_crop, student_iou, pseudo_labels),
            self.self_training_weight)
        # loss_focal -> loss_st_focal: mmdet's rename_loss_dict only prefixes
        results = {key.replace('loss_', 'loss_st_'): value for key, value in losses.items()}
        if self.loss_anchor is not None:
            results['loss_anchor'] = self.loss_anchor(
                student_crop, teacher_crop, seg.loss_logits(anchor_logits, sample))
        return results

    def loss(self, inputs: dict, data_samples: dict) -> Dict[str, torch.Tensor]:
        weak, strong, weak_samples, strong_samples = split_branches(inputs, data_samples)
        seg = self.segmentor
        batch = len(weak_samples)

        depth = self.shared_prefix_depth()
        if depth:  # late LoRA: the frozen first blocks run once on the weak view
            with torch.no_grad():
                weak_tokens = seg.backbone.forward_prefix(weak, depth)

        # 1. Anchor first (see source_model): source masks, and prompts if prompt-free.
        with self.source_model():
            anchor_embeddings = seg.backbone.forward_from(weak_tokens, depth) if depth \
                else seg.extract_feat(weak)
            if self.prompt_generator is not None:
                for index in range(batch):
                    found = self.prompt_generator(seg, anchor_embeddings[index],
                                                  weak_samples[index])
                    weak_samples[index].gt_instances = found
                    strong_samples[index].gt_instances = found.clone()
            prompt_types = [seg.train_prompt_type() for _ in range(batch)]
            prompts = [seg.get_prompts(s, t) if len(s.gt_instances) else None
                       for s, t in zip(weak_samples, prompt_types)]
            anchor_prompts = self.anchor_prompts(weak_samples, prompts)
            anchor_logits = [seg.decode(anchor_embeddings[i], anchor_prompts[i])[0][:, 0]
                             if prompts[i] is not None else None for i in range(batch)]

        # 2. Teacher on the weak view, student on the strong view.
        if depth:
            with torch.no_grad():
                strong_tokens = seg.backbone.forward_prefix(strong, depth)
            embeddings = seg.backbone.forward_from(torch.cat([weak_tokens, strong_tokens]),
                                                   depth)
            teacher_embeddings, student_embeddings = embeddings[:batch], embeddings[batch:]
        elif self.ema_segmentor is None:
            embeddings = seg.extract_feat(torch.cat([weak, strong]))
            teacher_embeddings, student_embeddings = embeddings[:batch], embeddings[batch:]
        else:
            with torch.no_grad():
                teacher_embeddings = self.ema_segmentor.extract_feat(weak)
            student_embeddings = seg.extract_feat(strong)

        totals: Dict[str, torch.Tensor] = {}
        counted, contrast_terms, contrast_skipped = 0, [], 0
        for i in range(batch):
            if prompts[i] is None:
                continue
            sample = weak_samples[i]
            teacher_logits, _ = self.teacher.decode(teacher_embeddings[i], prompts[i])
            student_logits, student_iou = seg.decode(student_embeddings[i], prompts[i])
            losses = seg.chunked_instance_losses(
                partial(self.instance_losses, sample=sample), student_logits[:, 0],
                student_iou[:, 0], teacher_logits[:, 0], anchor_logits[i],
                *self.instance_extras(sample, prompt_types[i]))
            losses.update(self.image_losses(sample, prompt_types[i], student_logits[:, 0],
                                            teacher_logits[:, 0], weak[i]))
            for key, value in losses.items():
                totals[key] = totals.get(key, 0) + value
            if self.loss_contrast is not None:
                term = self.loss_contrast(teacher_embeddings[i], anchor_embeddings[i],
                                          teacher_logits[:, 0], anchor_logits[i])
                if term is None:
                    contrast_skipped += 1
                else:
                    contrast_terms.append(term)
            counted += 1

        if counted == 0:  # nothing prompted in the whole batch: a zero with a graph
            zero = self.zero_loss()
            return dict(loss_st_focal=zero, loss_st_dice=zero, loss_st_iou=zero)
        results = {key: value / counted for key, value in totals.items()}
        if contrast_terms:
            results['loss_contrast'] = torch.stack(contrast_terms).mean()
        if self.loss_contrast is not None:
            # logged, not summed (no "loss" in the name): images with < 2 instances
            results['contrast_skipped'] = torch.tensor(float(contrast_skipped))
        return results

    # ---------------------------------------------------------------- predict
    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> SampleList:
        """Masks of the adapted model (the student; with EMA, the teacher)."""
        return self.teacher.predict(inputs, data_samples)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.teacher._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor')
