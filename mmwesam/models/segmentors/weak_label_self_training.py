"""WeSAM + weak-label losses: the prompts are also labels (an extension, not the paper's)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.structures import DetDataSample

from mmwesam.registry import MODELS
from ..losses.box_projection_loss import box_masks
from .sam import PROMPT_TYPES
from .self_training import SelfTrainingTeacher

#: the prompt fields whose box a weak box label is, by preference
_BOX_FIELDS = ('boxes', 'poly_boxes')


@MODELS.register_module()
class WeakLabelSelfTraining(SelfTrainingTeacher):
    """WeSAM whose weak labels supervise as well as prompt.

    WeSAM uses a box, points or a coarse polygon only as the prompt; every training signal
    comes from the teacher. Here the same weak label also enters the loss, on the
    decoder's low-res grid (the valid part of 256 x 256), for the branches named in
    ``weak_label_branches``:

    - a box prompt: ``loss_box_projection`` (the mask's projections on x and y equal the
      box's) and ``loss_pairwise`` (neighbouring pixels of similar colour in the weak view
      share a label, inside the box);
    - point prompts: ``loss_points`` (cross-entropy at the labelled points);
    - a polygon: ``loss_polygon`` (cross-entropy on the pixels well inside / well outside),
      and the box terms with the polygon's box.

    With ``clip_pseudo_labels`` the teacher's pseudo labels are cut to the box (nothing
    outside a tight box is the object), at the loss resolution. Any term set to ``None`` is
    off; with all of them off and no clipping this is WeSAM.

    Args:
        loss_box_projection, loss_pairwise, loss_points, loss_polygon: loss configs.
        clip_pseudo_labels: cut the pseudo labels to the prompt's box (box and polygon
            prompts).
        clip_margin: pixels (of the loss frame) added around the box before cutting.
        weak_label_branches: which logits the weak-label losses apply to: ``'student'``
            (strong view) and / or ``'teacher'`` (weak view; the same network in WeSAM).
        **kwargs: :class:`SelfTrainingTeacher`'s arguments.
    """

    def __init__(self, *args,
                 loss_box_projection: Optional[dict] = dict(type='BoxProjectionLoss'),
                 loss_pairwise: Optional[dict] = dict(type='PairwiseAffinityLoss'),
                 loss_points: Optional[dict] = dict(type='PointLabelLoss'),
                 loss_polygon: Optional[dict] = dict(type='PolygonBandLoss'),
                 clip_pseudo_labels: bool = True, clip_margin: float = 0.0,
                 weak_label_branches: Sequence[str] = ('student', 'teacher'),
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        unknown = set(weak_label_branches) - {'student', 'teacher'}
        if unknown:
            raise ValueError(f'weak_label_branches: unknown {sorted(unknown)}; use '
                             "'student' and / or 'teacher'")
        build = lambda cfg: MODELS.build(cfg) if cfg else None  # noqa: E731
        self.loss_box_projection = build(loss_box_projection)
        self.loss_pairwise = build(loss_pairwise)
        self.loss_points = build(loss_points)
        self.loss_polygon = build(loss_polygon)
        self.clip_pseudo_labels = clip_pseudo_labels
        self.clip_margin = clip_margin
        self.weak_label_branches = tuple(weak_label_branches)

    # ----------------------------------------------------------------- frames
    def _box_field(self, prompt_type: str) -> Optional[str]:
        fields = PROMPT_TYPES[prompt_type] if isinstance(prompt_type, str) else prompt_type
        return next((f for f in _BOX_FIELDS if f in fields), None)

    def _coords_to_low_res(self, xy: torch.Tensor, sample: DetDataSample) -> torch.Tensor:
        """Original-image pixel coordinates (..., 2k) -> the decoder's low-res grid."""
        seg = self.segmentor
        scale_w, scale_h = sample.metainfo['scale_factor']
        stride = seg.image_size / seg.head.low_res_size
        scale = xy.new_tensor([scale_w, scale_h]).repeat(xy.shape[-1] // 2) / stride
        return xy.float() * scale

    def _loss_frame_boxes(self, boxes: torch.Tensor, sample: DetDataSample) -> torch.Tensor:
        if self.segmentor.loss_resolution == 'low_res':
            return self._coords_to_low_res(boxes, sample)
        return boxes.float()

    # ------------------------------------------------------------ the hooks
    def instance_extras(self, sample: DetDataSample, prompt_type: str
                        ) -> Tuple[torch.Tensor, ...]:
        field = self._box_field(prompt_type)
        if not self.clip_pseudo_labels or field is None:
            return ()
        device = self.segmentor.head.prompt_encoder.point_embeddings[0].weight.device
        boxes = sample.gt_instances[f'prompt_{field}'].to(device)
        return (self._loss_frame_boxes(boxes, sample), )

    def pseudo_labels(self, teacher_crop: torch.Tensor, *extras: torch.Tensor,
                      sample: DetDataSample) -> torch.Tensor:
        labels = super().pseudo_labels(teacher_crop, sample=sample)
        if not extras:
            return labels
        boxes = extras[0]
        margin = boxes.new_tensor([-1, -1, 1, 1]) * self.clip_margin
        return labels & (box_masks(boxes + margin, *labels.shape[-2:]) > 0)

    def image_losses(self, sample: DetDataSample, prompt_type: str,
                     student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                     weak_image: torch.Tensor) -> Dict[str, torch.Tensor]:
        seg = self.segmentor
        height, width = seg._low_res_valid_shape(sample)
        branches = dict(student=student_logits, teacher=teacher_logits)
        # the branches stacked as more instances: each loss is a mean over instances, so
        # one call gives the mean of the branches' terms (and colour pairs are found once)
        repeat = len(self.weak_label_branches)
        logits = torch.cat([branches[name][:, :height, :width]
                            for name in self.weak_label_branches])
        instances = sample.gt_instances
        device = weak_image.device
        fields = PROMPT_TYPES[prompt_type] if isinstance(prompt_type, str) else prompt_type
        terms: Dict[str, torch.Tensor] = {}

        def per_instance(value: torch.Tensor) -> torch.Tensor:
            return torch.cat([value.to(device)] * repeat)

        field = self._box_field(prompt_type)
        if field is not None:
            boxes = per_instance(self._coords_to_low_res(instances[f'prompt_{field}'], sample))
            if self.loss_box_projection is not None:
                terms['loss_wl_box'] = self.loss_box_projection(logits, boxes=boxes)
            if self.loss_pairwise is not None:
                terms['loss_wl_pairwise'] = self.loss_pairwise(
                    logits, image=self._low_res_image(weak_image, height, width),
                    boxes=boxes)
        if 'points' in fields and self.loss_points is not None:
            terms['loss_wl_points'] = self.loss_points(
                logits, points=per_instance(
                    self._coords_to_low_res(instances.prompt_points, sample)),
                labels=per_instance(instances.prompt_point_labels))
        if 'poly_masks' in fields and self.loss_polygon is not None:
            masks = instances.prompt_masks
            masks = masks if isinstance(masks, torch.Tensor) else \
                torch.from_numpy(masks.to_ndarray())
            polygons = seg._to_low_res(masks.to(device).float(), sample) >= 0.5
            terms['loss_wl_polygon'] = self.loss_polygon(logits,
                                                         polygons=per_instance(polygons))
        return terms

    def _low_res_image(self, weak_image: torch.Tensor, height: int, width: int
                       ) -> torch.Tensor:
        """The weak view's (3, S, S) input as RGB in [0, 1] on the low-res grid."""
        preprocessor = self.segmentor.data_preprocessor
        rgb = (weak_image.float() * preprocessor.std + preprocessor.mean) / 255
        stride = weak_image.shape[-1] // self.segmentor.head.low_res_size
        return F.avg_pool2d(rgb[None], stride)[0, :, :height, :width].clamp(0, 1)
