"""The shipped finer-grid source model (patch 4) fits its config and segments source images."""
import os.path as osp

import numpy as np
import pytest

from mmwesam.apis import inference_sam, init_model
from helpers import REPO, mask_iou
from synthetic_benchmark.data import render_image
from synthetic_benchmark.methods import CONFIGS, PROJECT

P4_CONFIG = osp.join(CONFIGS, 'source', 'source_tiny-p4_mixed_800it_synthetic.py')
P4 = osp.join(REPO, 'checkpoints', 'sam_tiny_synthetic_source_p4.pth')
# the retired patch-8 model, kept as the source recipe's starting point
P8_CONFIG = osp.join(REPO, 'configs', '_base_', 'models', 'sam_tiny.py')
P8 = osp.join(PROJECT, 'checkpoints', 'sam_tiny_synthetic_source_p8.pth')


def _box_ious(model, num_images: int = 6):
    ious = []
    for index in range(num_images):
        image, instances = render_image('source', 'test', index, seed=0)
        masks = [inst['mask'] for inst in instances if inst['mask'].any()]
        boxes = []
        for mask in masks:
            ys, xs = np.nonzero(mask)
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        result = inference_sam(model, image, boxes=np.array(boxes, np.float32))
        ious += [mask_iou(pred, gt) for pred, gt in zip(result.masks, masks)]
    return np.array(ious)


def test_p4_checkpoint_fits_its_config_and_beats_the_patch8_model():
    p4 = init_model(P4_CONFIG, P4)
    assert p4.backbone.patch_embed.proj.kernel_size == (4, 4)
    assert p4.head.low_res_size == 128
    fine = _box_ious(p4)
    coarse = _box_ious(init_model(P8_CONFIG, P8))
    print(f'box IoU on {len(fine)} source instances: p4 {fine.mean():.3f}, '
          f'p8 {coarse.mean():.3f}')
    assert len(fine) >= 15
    assert fine.mean() > 0.85
    assert fine.mean() > coarse.mean() + 0.02


def test_the_patch8_checkpoint_does_not_fit_the_p4_config():
    from mmwesam.models.utils.sam_checkpoint import CheckpointMismatchError
    with pytest.raises(CheckpointMismatchError, match='patch_embed'):
        init_model(P4_CONFIG, P8)
