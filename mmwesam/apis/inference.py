"""Python API: build a model from a config, segment an image with prompts."""
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import mmcv
import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmwesam.registry import MODELS


@dataclass
class SAMResult:
    """Masks (N, H, W) bool at image resolution and SAM's predicted IoU (N,)."""

    masks: np.ndarray
    scores: np.ndarray


def init_model(config: Union[str, Path, Config], checkpoint: Optional[str] = None,
               device: str = 'cpu', cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build the model of ``config`` and load ``checkpoint``.

    ``checkpoint`` may be an official SAM file (``sam_vit_b_01ec64.pth`` layout) or a
    checkpoint saved by ``tools/train.py``; a checkpoint that does not fit the config
    raises an error listing the mismatched keys and shapes. Without a checkpoint the
    config's own ``init_cfg`` (if any) is used.
    """
    from mmwesam.utils import register_all_modules
    register_all_modules()
    if not isinstance(config, Config):
        config = Config.fromfile(str(config))
    if cfg_options:
        config.merge_from_dict(cfg_options)
    model = MODELS.build(config.model)
    if checkpoint is not None:
        model.load_sam_checkpoint(checkpoint)
    else:  # the config's init_cfg, also a wrapper's (WeSAM, TENT: in its segmentor)
        model.init_weights()
    model.cfg = config
    return model.to(device).eval()


def _as_tensor(value, dtype) -> Optional[torch.Tensor]:
    if value is None:
        return None
    return torch.as_tensor(np.asarray(value), dtype=dtype)


def check_prompts(prompts: dict, height: int, width: int) -> None:
    """Raise ``ValueError`` naming the prompt and row that SAM cannot use.

    Boxes: (N, 4) finite xyxy with x2 > x1, y2 > y1, overlapping the image (a box partly
    outside is allowed). Points: (N, P, 2) finite, inside the image; labels (N, P) of 0 / 1.
    Mask prompts: (N, H, W) at the image's size.
    """
    boxes = prompts.get('prompt_boxes')
    if boxes is not None:
        if boxes.dim() != 2 or boxes.shape[1] != 4:
            raise ValueError(f'boxes must be (N, 4) xyxy, got shape {tuple(boxes.shape)}')
        for row, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
            box = [x1, y1, x2, y2]
            if not torch.isfinite(boxes[row]).all():
                raise ValueError(f'box {row} is not finite: {box}')
            if x2 <= x1 or y2 <= y1:
                raise ValueError(f'box {row} {box} is empty or inverted: xyxy needs '
                                 'x2 > x1 and y2 > y1')
            if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
                raise ValueError(f'box {row} {box} lies outside the {width} x {height} '
                                 'image')
    points, labels = prompts.get('prompt_points'), prompts.get('prompt_point_labels')
    if points is not None:
        if points.dim() != 3 or points.shape[2] != 2:
            raise ValueError(f'points must be (N, P, 2) xy, got shape {tuple(points.shape)}')
        if labels is None or tuple(labels.shape) != tuple(points.shape[:2]):
            raise ValueError(f'point_labels must be (N, P) = {tuple(points.shape[:2])}, got '
                             f'{None if labels is None else tuple(labels.shape)}')
        if not torch.isfinite(points).all():
            raise ValueError('points are not all finite')
        outside = (points[..., 0] < 0) | (points[..., 0] >= width) | \
            (points[..., 1] < 0) | (points[..., 1] >= height)
        if outside.any():
            row, column = [int(i) for i in outside.nonzero()[0]]
            raise ValueError(f'point {column} of object {row} '
                             f'{points[row, column].tolist()} lies outside the {width} x '
                             f'{height} image')
        bad = ~((labels == 0) | (labels == 1))
        if bad.any():
            raise ValueError(f'point_labels must be 1 (foreground) or 0 (background), got '
                             f'{sorted(set(labels[bad].tolist()))}')
    masks = prompts.get('prompt_poly_masks')
    if masks is not None and (masks.dim() != 3 or tuple(masks.shape[1:]) != (height, width)):
        raise ValueError(f'mask_prompts must be (N, {height}, {width}) like the image, got '
                         f'{tuple(masks.shape)}')


@torch.no_grad()
def inference_sam(model: torch.nn.Module, image: Union[str, Path, np.ndarray],
                  boxes=None, points=None, point_labels=None, mask_prompts=None,
                  multimask_output: Optional[bool] = None) -> SAMResult:
    """Segment the prompted objects of one image.

    Args:
        image: an HxWx3 uint8 RGB array, or a path to an image file.
        boxes: (N, 4) xyxy in image pixels.
        points: (N, P, 2) xy in image pixels, with ``point_labels`` (N, P): 1 for a
            foreground point, 0 for background.
        mask_prompts: (N, H, W) binary coarse masks at image resolution.

    Any combination of prompt kinds may be given; each must have N rows.
    """
    if isinstance(image, (str, Path)):
        image = mmcv.imread(str(image), channel_order='rgb')
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f'image must be an HxWx3 uint8 RGB array, got {image.dtype} '
                         f'{image.shape}')
    if points is not None and point_labels is None:
        raise ValueError('points need point_labels (1 = foreground, 0 = background)')
    # the adapted model, as tools/test.py scores it (with an EMA teacher: the teacher)
    teacher = getattr(model, 'teacher', None)
    segmentor = teacher if teacher is not None else getattr(model, 'segmentor', model)
    height, width = image.shape[:2]
    prompts = dict(prompt_boxes=_as_tensor(boxes, torch.float32),
                   prompt_points=_as_tensor(points, torch.float32),
                   prompt_point_labels=_as_tensor(point_labels, torch.int64),
                   prompt_poly_masks=_as_tensor(mask_prompts, torch.bool))
    check_prompts(prompts, height, width)
    given = {k: v for k, v in prompts.items() if v is not None}
    if not given:
        raise ValueError('give boxes, points or mask_prompts')
    counts = {len(v) for v in given.values()}
    if len(counts) != 1:
        raise ValueError(f'every prompt needs one row per object; got {counts}')
    num = counts.pop()
    instances = InstanceData()
    for key, value in given.items():
        field = 'prompt_masks' if key == 'prompt_poly_masks' else key
        instances[field] = value
    instances.masks = torch.zeros((num, height, width), dtype=torch.bool)
    sample = DetDataSample(metainfo=dict(ori_shape=(height, width),
                                         img_shape=(height, width)))
    sample.gt_instances = instances
    fields = []
    if boxes is not None:
        fields.append('boxes')
    if points is not None:
        fields.append('points')
    if mask_prompts is not None:
        fields.append('poly_masks')
    image_chw = torch.from_numpy(np.ascontiguousarray(image[..., ::-1].transpose(2, 0, 1)))
    data = segmentor.data_preprocessor(dict(inputs=[image_chw], data_samples=[sample]))
    embedding = segmentor.extract_feat(data['inputs'])[0]
    previous = segmentor.multimask_output
    if multimask_output is not None:
        segmentor.multimask_output = multimask_output
    try:
        result = segmentor.predict_instances(embedding, data['data_samples'][0],
                                             tuple(fields))
    finally:
        segmentor.multimask_output = previous
    return SAMResult(masks=result.masks.numpy(), scores=result.scores.numpy())
