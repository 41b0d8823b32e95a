"""PackSAMInputs: prompts travel inside gt_instances, one row per instance."""
import numpy as np
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks

from mmwesam.datasets.transforms import GeneratePrompts, PackSAMInputs, SampleInstances

H, W = 30, 40


def _results(ignore=(0, 1, 0, 0)):
    masks = np.zeros((4, H, W), np.uint8)
    masks[0, 2:10, 3:12] = 1
    masks[1, 0:5, 0:5] = 1
    masks[2, 15:28, 20:38] = 1
    masks[3, 5:9, 30:33] = 1
    boxes = np.array([[3, 2, 12, 10], [0, 0, 5, 5], [20, 15, 38, 28], [30, 5, 33, 9]],
                     np.float32)
    image = np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8)
    return dict(img_id=5, img_path='5.png', img=image, img_shape=(H, W), ori_shape=(H, W),
                gt_masks=BitmapMasks(masks, H, W), gt_bboxes=HorizontalBoxes(boxes),
                gt_bboxes_labels=np.array([0, 1, 2, 0]),
                gt_ignore_flags=np.array(ignore, bool))


def _pack(results):
    results = SampleInstances()(results)
    results = GeneratePrompts(num_pos=3, num_neg=2, seed=0)(results)
    return results, PackSAMInputs()(results)


def test_prompts_are_packed_with_their_instances():
    results, packed = _pack(_results())
    image = packed['inputs']
    assert image.shape == (3, H, W) and image.dtype == torch.uint8
    assert torch.equal(image, torch.from_numpy(results['img']).permute(2, 0, 1))
    sample = packed['data_samples']
    assert sample.img_id == 5 and sample.num_dropped_instances == 1
    assert sample.ori_shape == (H, W)
    instances = sample.gt_instances
    assert len(instances) == 3
    assert instances.labels.tolist() == [0, 2, 0]
    assert isinstance(instances.bboxes, torch.Tensor)  # plain tensor, not box type
    torch.testing.assert_close(instances.bboxes, torch.tensor(
        [[3., 2., 12., 10.], [20., 15., 38., 28.], [30., 5., 33., 9.]]))
    assert isinstance(instances.prompt_boxes, torch.Tensor)
    assert instances.prompt_points.shape == (3, 5, 2)
    assert instances.prompt_point_labels.tolist() == [[1, 1, 1, 0, 0]] * 3
    assert isinstance(instances.prompt_masks, BitmapMasks)
    assert instances.prompt_poly_boxes.shape == (3, 4)
    # each prompt row belongs to the mask in the same row
    masks = instances.masks.to_ndarray()
    torch.testing.assert_close(instances.prompt_boxes, instances.bboxes)
    for row in range(3):
        xs = instances.prompt_points[row, :3, 0].long()
        ys = instances.prompt_points[row, :3, 1].long()
        assert masks[row][ys, xs].all()
        assert (instances.prompt_masks.to_ndarray()[row] & masks[row]).any()
    np.testing.assert_array_equal(instances.prompt_points.numpy(), results['prompt_points'])


def test_indexing_keeps_prompts_aligned():
    _, packed = _pack(_results())
    instances = packed['data_samples'].gt_instances
    reordered = instances[torch.tensor([2, 0])]
    assert reordered.labels.tolist() == [0, 0]
    torch.testing.assert_close(reordered.prompt_boxes, instances.prompt_boxes[[2, 0]])
    torch.testing.assert_close(reordered.prompt_points, instances.prompt_points[[2, 0]])
    np.testing.assert_array_equal(reordered.masks.to_ndarray(),
                                  instances.masks.to_ndarray()[[2, 0]])
    np.testing.assert_array_equal(reordered.prompt_masks.to_ndarray(),
                                  instances.prompt_masks.to_ndarray()[[2, 0]])


def test_ignored_instances_must_be_removed_first():
    with pytest.raises(ValueError, match='put SampleInstances in the pipeline before it'):
        PackSAMInputs()(_results())
    packed = PackSAMInputs()(_results(ignore=(0, 0, 0, 0)))  # nothing ignored: fine
    assert len(packed['data_samples'].gt_instances) == 4
    assert 'prompt_boxes' not in packed['data_samples'].gt_instances  # none generated
