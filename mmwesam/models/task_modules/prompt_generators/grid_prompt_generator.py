"""Prompt-free adaptation: prompts found by the source model from a grid of points."""
import numpy as np
import torch
from mmcv.ops import nms
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmwesam.registry import MODELS
from mmwesam.utils.sam_import import import_sam_amg

_amg = import_sam_amg()


@MODELS.register_module()
class GridPromptGenerator:
    """SAM's automatic-mask recipe, used to make the fixed prompts of one image.

    A ``points_per_side`` x ``points_per_side`` grid of foreground points goes through
    the (source) model with 3 masks per point; masks with predicted IoU below
    ``pred_iou_thresh`` or stability below ``stability_score_thresh`` are dropped, the
    rest de-duplicated by box NMS (``nms_thresh``, mmcv.ops.nms) and the
    ``max_instances`` best kept. Their boxes and grid points become the image's
    prompts. It works on the decoder's low-res masks, which is enough for boxes.
    """

    def __init__(self, points_per_side: int = 32, points_per_batch: int = 64,
                 pred_iou_thresh: float = 0.88, stability_score_thresh: float = 0.95,
                 stability_score_offset: float = 1.0, nms_thresh: float = 0.7,
                 min_mask_area: int = 4, max_instances: int = 40) -> None:
        self.points_per_side = points_per_side
        self.points_per_batch = points_per_batch
        self.pred_iou_thresh = pred_iou_thresh
        self.stability_score_thresh = stability_score_thresh
        self.stability_score_offset = stability_score_offset
        self.nms_thresh = nms_thresh
        self.min_mask_area = min_mask_area
        self.max_instances = max_instances

    @torch.no_grad()
    def __call__(self, segmentor, embedding: torch.Tensor, sample: DetDataSample
                 ) -> InstanceData:
        """Prompts (in original image pixels) for ``sample``, as ``gt_instances`` fields."""
        height, width = sample.metainfo['img_shape']          # resized, unpadded
        scale_w, scale_h = sample.metainfo['scale_factor']
        stride = segmentor.image_size / segmentor.head.low_res_size
        low_h, low_w = segmentor._low_res_valid_shape(sample)
        grid = _amg.build_point_grid(self.points_per_side) * np.array([width, height])
        grid = torch.as_tensor(grid, dtype=torch.float32, device=embedding.device)

        all_logits, all_iou, all_points = [], [], []
        for start in range(0, len(grid), self.points_per_batch):
            points = grid[start:start + self.points_per_batch]
            logits, iou = segmentor.decode(
                embedding, dict(points=points[:, None], point_labels=torch.ones(
                    len(points), 1, dtype=torch.int64, device=points.device)),
                multimask_output=True)
            k = logits.shape[1]
            all_logits.append(logits[..., :low_h, :low_w].flatten(0, 1))
            all_iou.append(iou.flatten())
            all_points.append(points.repeat_interleave(k, dim=0))
        logits, iou, points = torch.cat(all_logits), torch.cat(all_iou), torch.cat(all_points)

        keep = iou > self.pred_iou_thresh
        stability = _amg.calculate_stability_score(logits, 0.0, self.stability_score_offset)
        keep &= stability >= self.stability_score_thresh
        keep &= (logits > 0).flatten(1).sum(1) >= self.min_mask_area
        logits, iou, points = logits[keep], iou[keep], points[keep]

        result = InstanceData()
        if len(logits):
            # low-res box (inclusive xyxy) -> input frame -> original image pixels
            boxes = _amg.batched_mask_to_box(logits > 0).float()
            boxes[:, 2:] += 1
            boxes = boxes * stride / torch.tensor([scale_w, scale_h] * 2,
                                                  device=boxes.device)
            # the last low-res cell can reach past the resized image (into the padding)
            ori_h, ori_w = sample.metainfo['ori_shape']
            boxes[:, 0::2] = boxes[:, 0::2].clamp(0, ori_w)
            boxes[:, 1::2] = boxes[:, 1::2].clamp(0, ori_h)
            kept = nms(boxes, iou, self.nms_thresh)[1][:self.max_instances]
            boxes, points = boxes[kept], points[kept]
        else:
            boxes = logits.new_zeros((0, 4))
            points = logits.new_zeros((0, 2))
        result.prompt_boxes = boxes
        result.prompt_points = (points / torch.tensor([scale_w, scale_h],
                                                      device=points.device))[:, None]
        result.prompt_point_labels = torch.ones(len(points), 1, dtype=torch.int64,
                                                device=points.device)
        return result
