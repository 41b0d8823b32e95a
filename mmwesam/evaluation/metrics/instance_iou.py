"""Prompted-instance IoU and F1: per instance, mean per image, mean over images."""
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.fileio import dump
from mmengine.logging import MMLogger, print_log
from terminaltables import AsciiTable

from mmwesam.registry import METRICS


def instance_iou_f1(pred: torch.Tensor, gt: torch.Tensor, chunk: int = 16
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """IoU and F1 (Dice) of each predicted mask against its own GT mask.

    Args:
        pred, gt: (N, H, W) bool (or 0 / 1), instance i of ``pred`` answers prompt i of
            ``gt``.
        chunk: instances compared at a time (memory: a few chunk x H x W temporaries).

    An instance whose prediction and GT are both empty scores 1 (nothing to find, nothing
    found); the datasets drop empty GT masks, so this only guards the arithmetic.
    """
    num = len(pred)
    pred, gt = pred.flatten(1), gt.flatten(1)
    inter, union, total = (torch.zeros(num, dtype=torch.float64) for _ in range(3))
    # a few instances at a time, counted without a cast: ``bool.sum`` makes an int64 copy
    # (8 bytes per instance-pixel: 14 GB for 300 instances on a 3000 x 2000 image)
    for start in range(0, num, chunk):
        p, g = pred[start:start + chunk].bool(), gt[start:start + chunk].bool()
        part = slice(start, start + len(p))
        inter[part] = torch.count_nonzero(p & g, dim=1).double()
        union[part] = torch.count_nonzero(p | g, dim=1).double()
        total[part] = (torch.count_nonzero(p, dim=1) + torch.count_nonzero(g, dim=1)).double()
    iou = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
    f1 = torch.where(total > 0, 2 * inter / total.clamp(min=1), torch.ones_like(total))
    return iou.numpy(), f1.numpy()


@METRICS.register_module()
class InstanceIoUMetric(BaseMetric):
    """mIoU and mF1 of prompted instances, as in the WeSAM paper.

    Each image's score is the mean over its instances; the reported number is the mean
    over images (images without instances are counted and left out). Results are in
    percent.

    Args:
        per_image_file: if set, a json with every image's id, instance count, mean IoU
            and mean F1 is written there (used for paired confidence intervals).
    """

    # '' (not None): keys stay 'mIoU', ... and mmengine does not warn about a missing prefix
    default_prefix: Optional[str] = ''

    def __init__(self, per_image_file: Optional[str] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.per_image_file = per_image_file

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            gt_masks = sample['gt_instances']['masks']
            if not isinstance(gt_masks, torch.Tensor):
                gt_masks = torch.from_numpy(gt_masks.to_ndarray())
            pred_masks = sample['pred_instances']['masks'].cpu()
            if pred_masks.shape != gt_masks.shape:
                raise ValueError(
                    f'{sample.get("img_path")}: predicted masks {tuple(pred_masks.shape)} '
                    f'do not match GT masks {tuple(gt_masks.shape)}')
            iou, f1 = instance_iou_f1(pred_masks, gt_masks)
            self.results.append(dict(img_id=sample.get('img_id'),
                                     img_path=sample.get('img_path'),
                                     num_instances=len(iou), iou=iou.tolist(),
                                     f1=f1.tolist()))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        seen = Counter(r['img_id'] for r in results if r['img_id'] is not None)
        repeated = sorted(i for i, n in seen.items() if n > 1)[:5]
        if repeated:
            raise ValueError(f'InstanceIoUMetric: images scored more than once (ids '
                             f'{repeated}): a sampler that repeats images, or results '
                             'gathered from ranks without dropping the padding')
        scored = [r for r in results if r['num_instances'] > 0]
        skipped = len(results) - len(scored)
        if skipped:
            print_log(f'InstanceIoUMetric: {skipped} of {len(results)} images have no '
                      'instances and are left out', logger=logger, level=30)
        if not scored:
            raise ValueError('InstanceIoUMetric: no image with instances was evaluated')
        image_iou = np.array([np.mean(r['iou']) for r in scored])
        image_f1 = np.array([np.mean(r['f1']) for r in scored])
        metrics = dict(mIoU=float(image_iou.mean() * 100), mF1=float(image_f1.mean() * 100),
                       num_images=len(scored),
                       num_instances=int(sum(r['num_instances'] for r in scored)))
        table = AsciiTable([['mIoU', 'mF1', 'images', 'instances'],
                            [f'{metrics["mIoU"]:.2f}', f'{metrics["mF1"]:.2f}',
                             str(metrics['num_images']), str(metrics['num_instances'])]])
        print_log('\n' + table.table, logger=logger)
        if self.per_image_file:
            dump([dict(img_id=r['img_id'], img_path=r['img_path'],
                       num_instances=r['num_instances'],
                       iou=float(np.mean(r['iou'])), f1=float(np.mean(r['f1'])))
                  for r in scored], self.per_image_file)
        return metrics
