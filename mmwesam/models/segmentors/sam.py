"""PromptableSAM: SAM as an MMEngine model (predict with prompts, supervised loss)."""
import math
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from torch.utils.checkpoint import checkpoint

from mmwesam.registry import MODELS
from .base import FiniteLossModel

# prompt type -> the prompt fields (of GeneratePrompts) that SAM is given
PROMPT_TYPES: Dict[str, Tuple[str, ...]] = {
    'box': ('boxes',),
    'point': ('points',),
    'box_point': ('boxes', 'points'),
    'poly': ('poly_boxes', 'poly_masks'),   # the polygon's box and its dense mask
    'poly_box': ('poly_boxes',),            # what the reference code feeds
    'poly_mask': ('poly_masks',),
}
SampleList = List[DetDataSample]


def _masks_tensor(masks, device: torch.device) -> torch.Tensor:
    """BitmapMasks or a tensor -> float (N, H, W) tensor."""
    if isinstance(masks, torch.Tensor):
        return masks.to(device=device, dtype=torch.float32)
    return torch.from_numpy(masks.to_ndarray()).to(device=device, dtype=torch.float32)


@MODELS.register_module()
class PromptableSAM(FiniteLossModel):
    """SAM (image encoder + prompt head) driven by the prompts in each data sample.

    Args:
        backbone: image encoder config (e.g. ``LoRAViT``).
        head: ``SAMPromptHead`` config.
        prompt_type: prompts used in training, a key of :data:`PROMPT_TYPES`, or a
            sequence of keys: then one is drawn at random per image (a source model
            that must answer every kind of prompt).
        test_prompt_type: prompts used in ``predict`` (default: ``prompt_type``); a
            different value gives the cross-prompt setting.
        multimask_output: decode 3 masks per prompt and keep the one with the highest
            predicted IoU (prediction only; losses use the single-mask output).
        mask_prompt_logit: a binary mask prompt becomes logits of +/- this value.
        loss_resolution: where mask losses compare prediction and target. ``'image'``
            (default): the low-res logits are upsampled (bilinear, as in prediction) to
            the original image and compared with the full-resolution masks, so the model
            learns boundaries finer than its low-res grid. ``'low_res'``: the targets
            are area-downsampled to the low-res grid and binarised; cheaper (1/16 of the
            pixels) but it caps accuracy: on the synthetic source test set, masks that
            match such targets exactly reach only 86.5 mIoU per instance (94.9 for the
            best low-res logits), so a source model trained this way stalls near 84.
        loss_chunk_size: at ``loss_resolution='image'`` every prompt's logits are
            upsampled to the image and compared there; with this set, the losses of
            that many prompts at a time are computed and, in training, recomputed in
            backward (non-reentrant checkpointing), so only the low-res logits stay in
            the autograd graph and 40 prompts cost about what 10 do. ``None``: all
            prompts at once, nothing recomputed. Exact up to float summation order
            (every loss is a mean over instances, combined with weights n_chunk / n).
        trainable: regexes of parameter names that train; all others are frozen.
            ``None`` trains everything. Default: the low-rank factors only.
        loss_focal, loss_dice, loss_iou: supervised losses (mmdet's FocalLoss, DiceLoss
            and MSELoss by default: 20 x focal + dice + IoU-prediction MSE).
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` loads an official SAM
            file or an mmwesam checkpoint (see :func:`load_sam_state_dict`).
    """

    def __init__(self, backbone: dict, head: dict,
                 data_preprocessor: Optional[dict] = None,
                 prompt_type: Union[str, Sequence[str]] = 'box',
                 test_prompt_type: Optional[str] = None, multimask_output: bool = False,
                 mask_prompt_logit: float = 20.0,
                 loss_resolution: str = 'image',
                 loss_chunk_size: Optional[int] = None,
                 trainable: Optional[Sequence[str]] = (r'\.lora_',),
                 loss_focal: dict = dict(type='mmdet.FocalLoss', use_sigmoid=True,
                                         gamma=2.0, alpha=0.25, loss_weight=20.0),
                 loss_dice: dict = dict(type='mmdet.DiceLoss', use_sigmoid=True,
                                        activate=True, naive_dice=True, eps=1.0,
                                        loss_weight=1.0),
                 loss_iou: dict = dict(type='mmdet.MSELoss', loss_weight=1.0),
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='SAMDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        train_types = [prompt_type] if isinstance(prompt_type, str) else list(prompt_type)
        if test_prompt_type is None and len(train_types) > 1:
            raise ValueError('several training prompt types need an explicit '
                             'test_prompt_type')
        for name in train_types + [test_prompt_type]:
            if name is not None and name not in PROMPT_TYPES:
                raise ValueError(f'unknown prompt type {name!r}; use one of '
                                 f'{sorted(PROMPT_TYPES)}')
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)
        self.prompt_type = prompt_type if isinstance(prompt_type, str) else tuple(prompt_type)
        self.test_prompt_type = test_prompt_type or train_types[0]
        self.multimask_output = multimask_output
        self.mask_prompt_logit = mask_prompt_logit
        if loss_resolution not in ('image', 'low_res'):
            raise ValueError(f"loss_resolution must be 'image' or 'low_res', got "
                             f'{loss_resolution!r}')
        self.loss_resolution = loss_resolution
        if loss_chunk_size is not None and int(loss_chunk_size) < 1:
            raise ValueError(f'loss_chunk_size must be a positive number of prompts or '
                             f'None, got {loss_chunk_size!r}')
        self.loss_chunk_size = loss_chunk_size
        self.loss_focal = MODELS.build(loss_focal)
        self.loss_dice = MODELS.build(loss_dice)
        self.loss_iou = MODELS.build(loss_iou)
        self.trainable = tuple(trainable) if trainable is not None else None
        self.set_trainable(self.trainable)

    # ------------------------------------------------------------------ setup
    def set_trainable(self, patterns: Optional[Sequence[str]]) -> None:
        """Freeze every parameter whose name matches none of ``patterns``."""
        compiled = [re.compile(p) for p in patterns] if patterns is not None else None
        for name, param in self.named_parameters():
            param.requires_grad = compiled is None or any(p.search(name) for p in compiled)

    def trainable_parameter_names(self) -> List[str]:
        return [n for n, p in self.named_parameters() if p.requires_grad]

    def init_weights(self) -> None:
        if self.init_cfg and self.init_cfg.get('type') == 'Pretrained':
            self.load_sam_checkpoint(self.init_cfg['checkpoint'])
            self._is_init = True
        else:
            super().init_weights()

    def load_sam_checkpoint(self, filename: str) -> None:
        from mmwesam.models.utils import load_sam_state_dict
        load_sam_state_dict(self, filename)

    @property
    def image_size(self) -> int:
        return self.data_preprocessor.image_size

    # --------------------------------------------------------------- geometry
    def _low_res_valid_shape(self, sample: DetDataSample) -> Tuple[int, int]:
        """The part of the decoder's low-res grid that covers the image (not padding)."""
        stride = self.image_size / self.head.low_res_size
        height, width = sample.metainfo['img_shape']
        return max(1, math.ceil(height / stride)), max(1, math.ceil(width / stride))

    def _to_low_res(self, masks: torch.Tensor, sample: DetDataSample) -> torch.Tensor:
        """(N, H, W) masks at image resolution -> (N, h, w) on the valid low-res grid."""
        size = self._low_res_valid_shape(sample)
        if masks.shape[0] == 0:
            return masks.new_zeros((0, *size))
        mode = 'area' if masks.shape[-2] >= size[0] else 'bilinear'
        return F.interpolate(masks[:, None], size=size, mode=mode)[:, 0]

    def train_prompt_type(self) -> str:
        """The training prompt type of the next image (drawn when several are set)."""
        if isinstance(self.prompt_type, str):
            return self.prompt_type
        return self.prompt_type[np.random.randint(len(self.prompt_type))]

    def get_prompts(self, sample: DetDataSample,
                    prompt_type: Union[str, Sequence[str]]) -> Dict[str, torch.Tensor]:
        """The sample's prompts in the padded encoder frame.

        ``prompt_type`` is a key of :data:`PROMPT_TYPES` or a tuple of its fields.
        """
        fields = PROMPT_TYPES[prompt_type] if isinstance(prompt_type, str) else prompt_type
        instances = sample.gt_instances
        device = self.head.prompt_encoder.point_embeddings[0].weight.device
        scale_w, scale_h = sample.metainfo['scale_factor']
        scale = torch.tensor([scale_w, scale_h], device=device)
        prompts: Dict[str, torch.Tensor] = {}
        for field in fields:
            if field in ('boxes', 'poly_boxes'):
                boxes = instances[f'prompt_{field}'].to(device).float()
                prompts['boxes'] = boxes * scale.repeat(2)
            elif field == 'points':
                prompts['points'] = instances.prompt_points.to(device).float() * scale
                prompts['point_labels'] = instances.prompt_point_labels.to(device)
            elif field == 'poly_masks':
                low = self._to_low_res(_masks_tensor(instances.prompt_masks, device),
                                       sample) >= 0.5
                side = self.head.low_res_size
                padded = F.pad(low.float(), (0, side - low.shape[-1], 0, side - low.shape[-2]))
                prompts['mask_prompts'] = ((padded * 2 - 1) * self.mask_prompt_logit)[:, None]
        return prompts

    def postprocess_masks(self, low_res_logits: torch.Tensor, sample: DetDataSample
                          ) -> torch.Tensor:
        """Low-res logits (N, K, h, w) -> logits at the original image size.

        The same steps as segment_anything's ``Sam.postprocess_masks``: upsample to the
        padded input, crop the padding, resize to the original size.
        """
        height, width = sample.metainfo['img_shape']
        logits = F.interpolate(low_res_logits, (self.image_size, self.image_size),
                               mode='bilinear', align_corners=False)
        logits = logits[..., :height, :width]
        if tuple(logits.shape[-2:]) == tuple(sample.metainfo['ori_shape']):
            # a bilinear resize to the same size (align_corners=False) samples every
            # pixel at its own centre: the identity, skipped
            return logits
        return F.interpolate(logits, sample.metainfo['ori_shape'], mode='bilinear',
                             align_corners=False)

    # ----------------------------------------------------------------- forward
    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Image embeddings (B, C, h, w)."""
        return self.backbone(inputs)

    def decode(self, embedding: torch.Tensor, prompts: Dict[str, torch.Tensor],
               multimask_output: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
        """Mask logits (N, K, h, w) and predicted IoU (N, K) for one image."""
        return self.head(embedding, multimask_output=multimask_output, **prompts)

    def mask_losses(self, logits: torch.Tensor, iou_pred: torch.Tensor,
                    targets: torch.Tensor) -> Dict[str, torch.Tensor]:
        """20 x focal + dice + IoU MSE of (N, h, w) logits against binary targets."""
        flat_logits = logits.flatten(1).float()
        iou_pred = iou_pred.float()
        flat_targets = targets.flatten(1).float()
        with torch.no_grad():
            pred = flat_logits > 0
            inter = (pred & (flat_targets > 0.5)).sum(1).float()
            union = (pred | (flat_targets > 0.5)).sum(1).float()
            true_iou = torch.where(union > 0, inter / union.clamp(min=1),
                                   torch.ones_like(union))
        return dict(
            loss_focal=self.loss_focal(flat_logits, flat_targets),
            loss_dice=self.loss_dice(flat_logits, flat_targets),
            loss_iou=self.loss_iou(iou_pred, true_iou))

    def chunked_instance_losses(self, compute: Callable[..., Dict[str, torch.Tensor]],
                                *per_instance: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``compute(*per_instance)`` (a dict of means over instances) in prompt chunks.

        Each tensor's first dimension is the instance; every chunk's means are weighted
        by its share of the instances, which gives the means over all of them. In
        training each chunk is recomputed in backward (see ``loss_chunk_size``).
        """
        num = per_instance[0].shape[0]
        size = self.loss_chunk_size
        if size is None or num <= size:
            return compute(*per_instance)
        totals: Dict[str, torch.Tensor] = {}
        for start in range(0, num, size):
            part = [t[start:start + size] for t in per_instance]
            if torch.is_grad_enabled():
                values = checkpoint(compute, *part, use_reentrant=False)
            else:
                values = compute(*part)
            share = part[0].shape[0] / num
            for key, value in values.items():
                totals[key] = totals.get(key, 0) + value * share
        return totals

    def _crop_low_res(self, logits: torch.Tensor, sample: DetDataSample) -> torch.Tensor:
        height, width = self._low_res_valid_shape(sample)
        return logits[..., :height, :width]

    def loss_logits(self, low_res_logits: torch.Tensor, sample: DetDataSample
                    ) -> torch.Tensor:
        """(N, h, w) decoder logits -> (N, H', W') logits where the losses compare.

        At ``loss_resolution='image'`` the original image frame (that of
        ``gt_instances.masks`` and of the predicted masks), reached by the prediction's
        own resizing (:meth:`postprocess_masks`); else the valid part of the low-res grid.
        """
        # losses in fp32, also under bf16 / fp16 autocast
        low_res_logits = low_res_logits.float()
        if self.loss_resolution == 'low_res':
            return self._crop_low_res(low_res_logits, sample)
        return self.postprocess_masks(low_res_logits[:, None], sample)[:, 0]

    def loss_targets(self, masks, sample: DetDataSample) -> torch.Tensor:
        """Binary (N, H', W') targets from original-size masks (see loss_logits)."""
        device = self.head.prompt_encoder.point_embeddings[0].weight.device
        masks = _masks_tensor(masks, device)
        if self.loss_resolution == 'low_res':
            return self._to_low_res(masks, sample) >= 0.5
        expected = tuple(sample.metainfo['ori_shape'])
        if tuple(masks.shape[-2:]) != expected:
            raise ValueError(f'gt masks of {sample.metainfo.get("img_path", "an image")} '
                             f'are {tuple(masks.shape[-2:])}, expected its ori_shape '
                             f'{expected}')
        return masks >= 0.5

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> Dict[str, torch.Tensor]:
        embeddings = self.extract_feat(inputs)
        totals: Dict[str, torch.Tensor] = {}
        counted = 0
        for embedding, sample in zip(embeddings, data_samples):
            if len(sample.gt_instances) == 0:
                continue
            prompts = self.get_prompts(sample, self.train_prompt_type())
            logits, iou_pred = self.decode(embedding, prompts)
            targets = self.loss_targets(sample.gt_instances.masks, sample)

            def compute(low_res, iou, target, sample=sample):
                return self.mask_losses(self.loss_logits(low_res, sample), iou, target)

            losses = self.chunked_instance_losses(compute, logits[:, 0], iou_pred[:, 0],
                                                  targets)
            for key, value in losses.items():
                totals[key] = totals.get(key, 0) + value
            counted += 1
        if counted == 0:  # keep a graph so that every rank still steps
            zero = self.zero_loss()
            return dict(loss_focal=zero, loss_dice=zero, loss_iou=zero)
        return {key: value / counted for key, value in totals.items()}

    @torch.no_grad()
    def predict_instances(self, embedding: torch.Tensor, sample: DetDataSample,
                          prompt_type: Union[str, Sequence[str], None] = None
                          ) -> InstanceData:
        """Masks (N, H, W) bool at the original size and scores (N,) for one image."""
        prompt_type = prompt_type or self.test_prompt_type
        height, width = sample.metainfo['ori_shape']
        num = len(sample.gt_instances)
        result = InstanceData()
        if num == 0:
            result.masks = torch.zeros((0, height, width), dtype=torch.bool)
            result.scores = torch.zeros(0)
            return result
        logits, iou_pred = self.decode(embedding, self.get_prompts(sample, prompt_type),
                                       multimask_output=self.multimask_output)
        best = iou_pred.argmax(dim=1)
        index = torch.arange(num, device=logits.device)
        logits, scores = logits[index, best][:, None], iou_pred[index, best]
        masks = torch.empty((num, height, width), dtype=torch.bool)
        chunk = 16  # full-resolution logits of many instances are large
        for start in range(0, num, chunk):
            part = self.postprocess_masks(logits[start:start + chunk], sample)
            masks[start:start + chunk] = (part[:, 0] > 0).cpu()
        result.masks = masks
        result.scores = scores.float().cpu()  # numpy has no bf16
        if 'labels' in sample.gt_instances:  # prompt i answers instance i (for drawing)
            result.labels = sample.gt_instances.labels.cpu()
        return result

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> SampleList:
        embeddings = self.extract_feat(inputs)
        for embedding, sample in zip(embeddings, data_samples):
            sample.pred_instances = self.predict_instances(embedding, sample)
        return data_samples

    def _forward(self, inputs: torch.Tensor, data_samples: Optional[SampleList] = None):
        embeddings = self.extract_feat(inputs)
        if data_samples is None:
            return embeddings
        return [self.decode(e, self.get_prompts(s, self.test_prompt_type))
                for e, s in zip(embeddings, data_samples)]

    def forward(self, inputs: torch.Tensor, data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], SampleList, list]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor')
