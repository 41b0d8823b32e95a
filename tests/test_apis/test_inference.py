"""inference_sam: an image (path or array) and prompts in, (N, H, W) bool masks out."""
import cv2
import numpy as np
import pytest
import torch

from mmwesam.apis import SAMResult, inference_sam, init_model
from mmwesam.models.utils.sam_checkpoint import CheckpointMismatchError
from helpers import TINY_CONFIG, TINY_ENCODER, TINY_HEAD, build_official_sam, smooth_image

H, W = 70, 100


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'tiny_official.pth'
    torch.save(build_official_sam(TINY_ENCODER, TINY_HEAD, seed=2).state_dict(), path)
    return init_model(TINY_CONFIG, str(path))


@pytest.fixture(scope='module')
def image():
    return smooth_image(H, W, seed=1)


BOXES = [[10, 10, 60, 50], [40, 20, 95, 65], [0, 0, 100, 70]]
POINTS = [[[30, 30], [80, 60]], [[60, 40], [5, 5]], [[50, 35], [10, 60]]]
LABELS = [[1, 0], [1, 1], [1, 0]]


def test_from_array_and_from_path_agree(model, image, tmp_path):
    path = tmp_path / 'image.png'
    cv2.imwrite(str(path), image[..., ::-1])  # files hold BGR
    from_array = inference_sam(model, image, boxes=BOXES)
    from_path = inference_sam(model, str(path), boxes=np.array(BOXES))
    assert isinstance(from_array, SAMResult)
    assert from_array.masks.shape == (3, H, W) and from_array.masks.dtype == np.bool_
    assert from_array.scores.shape == (3, )
    np.testing.assert_array_equal(from_path.masks, from_array.masks)
    np.testing.assert_array_equal(from_path.scores, from_array.scores)
    # the model is in eval mode and holds the checkpoint's weights
    assert not model.training


def test_matches_the_segmentor_on_the_same_prompts(model, image):
    """inference_sam = preprocess + encoder + decode + postprocess of the model."""
    from mmdet.structures import DetDataSample
    result = inference_sam(model, image, boxes=BOXES)
    bgr = torch.from_numpy(np.ascontiguousarray(image[..., ::-1].transpose(2, 0, 1)))
    sample = DetDataSample(metainfo=dict(ori_shape=(H, W)))
    data = model.data_preprocessor(dict(inputs=[bgr], data_samples=[sample]))
    sample = data['data_samples'][0]
    with torch.no_grad():
        embedding = model.extract_feat(data['inputs'])[0]
        boxes = torch.tensor(BOXES, dtype=torch.float32) * torch.tensor(
            sample.scale_factor).repeat(2)
        logits, iou = model.decode(embedding, dict(boxes=boxes))
        expected = model.postprocess_masks(logits, sample)[:, 0] > 0
    np.testing.assert_array_equal(result.masks, expected.numpy())
    np.testing.assert_allclose(result.scores, iou[:, 0].numpy(), atol=1e-6)


def test_points_masks_and_combinations(model, image):
    points = inference_sam(model, image, points=POINTS, point_labels=LABELS)
    assert points.masks.shape == (3, H, W)
    coarse = np.zeros((3, H, W), bool)
    coarse[:, 10:50, 10:60] = True
    masks = inference_sam(model, image, mask_prompts=coarse)
    both = inference_sam(model, image, boxes=BOXES, points=POINTS, point_labels=LABELS)
    boxes = inference_sam(model, image, boxes=BOXES)
    for result in (masks, both):
        assert result.masks.shape == (3, H, W) and result.masks.dtype == np.bool_
    # the prompts reach the decoder: other prompts, other scores
    assert not np.allclose(points.scores, boxes.scores)
    assert not np.allclose(both.scores, boxes.scores)
    single = inference_sam(model, image, boxes=BOXES[:1])
    np.testing.assert_array_equal(single.masks[0], boxes.masks[0])


def test_multimask_option_is_temporary(model, image):
    multi = inference_sam(model, image, boxes=BOXES, multimask_output=True)
    assert multi.masks.shape == (3, H, W)
    assert model.multimask_output is False  # restored afterwards
    plain = inference_sam(model, image, boxes=BOXES)
    assert not np.allclose(multi.scores, plain.scores)  # the best of three was picked


def test_prompt_validation(model, image):
    with pytest.raises(ValueError, match='give boxes, points or mask_prompts'):
        inference_sam(model, image)
    with pytest.raises(ValueError, match='points need point_labels'):
        inference_sam(model, image, points=POINTS)
    with pytest.raises(ValueError, match='one row per object'):
        inference_sam(model, image, boxes=BOXES[:2], points=POINTS, point_labels=LABELS)
    with pytest.raises(ValueError, match='HxWx3 uint8 RGB'):
        inference_sam(model, image[..., 0], boxes=BOXES)
    with pytest.raises(ValueError, match='HxWx3 uint8 RGB'):
        inference_sam(model, image.astype(np.float32), boxes=BOXES)


BAD_PROMPTS = {
    'box outside': (dict(boxes=[[120, 10, 150, 40]]), r'box 0 .* lies outside the 100 x 70'),
    'inverted box': (dict(boxes=[[10, 10, 60, 50], [50, 40, 20, 30]]),
                     r'box 1 .* empty or inverted'),
    'empty box': (dict(boxes=[[10, 10, 10, 50]]), r'box 0 .* empty or inverted'),
    'nan box': (dict(boxes=[[10, 10, float('nan'), 50]]), r'box 0 is not finite'),
    'box shape': (dict(boxes=[[10, 10, 60]]), r'boxes must be \(N, 4\)'),
    'label 2': (dict(points=[[[30, 30]]], point_labels=[[2]]),
                r'point_labels must be 1 \(foreground\) or 0 \(background\), got \[2\]'),
    'label -1': (dict(points=[[[30, 30]]], point_labels=[[-1]]), r'got \[-1\]'),
    'labels shape': (dict(points=[[[30, 30], [40, 40]]], point_labels=[[1]]),
                     r'point_labels must be \(N, P\) = \(1, 2\)'),
    'point outside': (dict(points=[[[30, 30], [30, 90]]], point_labels=[[1, 1]]),
                      r'point 1 of object 0 \[30.0, 90.0\] lies outside'),
    'nan point': (dict(points=[[[float('nan'), 30]]], point_labels=[[1]]), r'not all finite'),
    'points shape': (dict(points=[[30, 30]], point_labels=[[1]]), r'points must be \(N, P, 2\)'),
    'mask size': (dict(mask_prompts=np.zeros((1, 35, 50), bool)),
                  r'mask_prompts must be \(N, 70, 100\) like the image, got \(1, 35, 50\)'),
}


@pytest.mark.parametrize('case', sorted(BAD_PROMPTS))
def test_prompts_sam_cannot_use_are_refused(model, image, case):
    prompts, message = BAD_PROMPTS[case]
    with pytest.raises(ValueError, match=message):
        inference_sam(model, image, **prompts)


def test_a_box_partly_outside_the_image_is_allowed(model, image):
    result = inference_sam(model, image, boxes=[[-10, -10, 50, 40]])
    assert result.masks.shape == (1, H, W) and np.isfinite(result.scores).all()


def test_init_model_rejects_a_checkpoint_of_another_size(tmp_path):
    smaller = dict(TINY_ENCODER, depth=4, global_attn_indexes=(1, 3))
    path = tmp_path / 'smaller.pth'
    torch.save(build_official_sam(smaller, TINY_HEAD).state_dict(), path)
    with pytest.raises(CheckpointMismatchError, match='missing keys: backbone.blocks.4'):
        init_model(TINY_CONFIG, str(path))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        init_model(TINY_CONFIG, str(tmp_path / 'nope.pth'))
