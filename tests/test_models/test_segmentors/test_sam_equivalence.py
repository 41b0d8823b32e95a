"""mmwesam gives segment_anything's own masks for the same official-layout weights."""
import numpy as np
import torch
from mmengine.config import Config

from mmwesam.apis import inference_sam, init_model
from helpers import (TINY_CONFIG, TINY_ENCODER, TINY_HEAD, VIT_B_ENCODER, VIT_B_HEAD,
                     build_official_sam, mask_iou, sam_resize, smooth_image, torch_threads)


def _compare(tmp_path, config, encoder, head, image_hw, seed=0):
    reference = build_official_sam(encoder, head, seed=seed)
    checkpoint = tmp_path / 'sam_official.pth'
    torch.save(reference.state_dict(), checkpoint)
    model = init_model(config, str(checkpoint))

    height, width = image_hw
    image = smooth_image(height, width, seed)
    boxes = np.array([[width * 0.1, height * 0.2, width * 0.6, height * 0.7],
                      [width * 0.4, height * 0.1, width * 0.95, height * 0.5],
                      [0, 0, width, height]], dtype=np.float32)
    points = np.array([[[width * 0.3, height * 0.4], [width * 0.8, height * 0.8]],
                       [[width * 0.6, height * 0.3], [width * 0.1, height * 0.9]],
                       [[width * 0.5, height * 0.5], [width * 0.2, height * 0.2]]],
                      dtype=np.float32)
    labels = np.array([[1, 0], [1, 1], [1, 0]])

    long_side = encoder['img_size']
    resized = sam_resize(image, long_side)
    scale = np.array([resized.shape[1] / width, resized.shape[0] / height], np.float32)
    batched = [dict(image=torch.from_numpy(resized).permute(2, 0, 1).float(),
                    original_size=(height, width),
                    boxes=torch.from_numpy(boxes * np.tile(scale, 2))),
               dict(image=torch.from_numpy(resized).permute(2, 0, 1).float(),
                    original_size=(height, width),
                    point_coords=torch.from_numpy(points * scale),
                    point_labels=torch.from_numpy(labels))]
    with torch.no_grad():
        expected = reference(batched, multimask_output=False)

    ours_box = inference_sam(model, image, boxes=boxes)
    ours_point = inference_sam(model, image, points=points, point_labels=labels)
    for ours, theirs in ((ours_box, expected[0]), (ours_point, expected[1])):
        theirs_masks = theirs['masks'][:, 0].numpy()
        assert ours.masks.shape == theirs_masks.shape == (3, height, width)
        ious = [mask_iou(a, b) for a, b in zip(ours.masks, theirs_masks)]
        assert min(ious) >= 0.999, ious
        # the masks are not trivially empty/full, so the comparison means something
        assert 0.001 < theirs_masks.mean() < 0.999
        np.testing.assert_allclose(ours.scores, theirs['iou_predictions'][:, 0].numpy(),
                                   atol=1e-3)


def test_tiny_sam_matches_segment_anything(tmp_path):
    _compare(tmp_path, TINY_CONFIG, TINY_ENCODER, TINY_HEAD, (90, 120))


def test_vit_b_official_layout_matches_segment_anything(tmp_path):
    cfg = Config.fromfile('configs/_base_/models/sam_vit_b.py')
    cfg.model.init_cfg = None
    with torch_threads(2):  # ViT-B at 1024 px: the one test that wants both cores
        _compare(tmp_path, cfg, VIT_B_ENCODER, VIT_B_HEAD, (300, 400), seed=1)
