"""SAMDataPreprocessor: segment_anything's resize rule, normalisation, padding, metainfo."""
import ast
from types import SimpleNamespace
from typing import Tuple

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample

from mmwesam.models.data_preprocessors import SAMDataPreprocessor
from mmwesam.models.data_preprocessors.sam_preprocessor import resize_longest_side_shape
from mmwesam.utils.sam_import import import_sam_modeling
from helpers import sam_resize, smooth_image

MEAN = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)


def _sam_get_preprocess_shape():
    """``ResizeLongestSide.get_preprocess_shape`` from segment_anything's own source.

    Its module imports torchvision (not installed), so the function is compiled from
    the file's text instead of imported.
    """
    import importlib.util
    spec = importlib.util.find_spec('segment_anything')
    path = spec.submodule_search_locations[0] + '/utils/transforms.py'
    tree = ast.parse(open(path).read())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef)
               and n.name == 'ResizeLongestSide')
    func = next(n for n in cls.body if isinstance(n, ast.FunctionDef)
                and n.name == 'get_preprocess_shape')
    func.decorator_list = []
    namespace = {'Tuple': Tuple}
    exec(compile(ast.Module(body=[func], type_ignores=[]), path, 'exec'), namespace)
    return namespace['get_preprocess_shape']


def _sam_preprocess(image_rgb_resized: np.ndarray, size: int) -> torch.Tensor:
    """segment_anything's ``Sam.preprocess`` (normalise, pad) on a resized RGB image."""
    fake = SimpleNamespace(pixel_mean=MEAN, pixel_std=STD,
                           image_encoder=SimpleNamespace(img_size=size))
    x = torch.from_numpy(image_rgb_resized).permute(2, 0, 1).float()
    return import_sam_modeling().Sam.preprocess(fake, x)


def _bgr_chw(rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1].transpose(2, 0, 1)))


@pytest.mark.parametrize('hw', [(90, 120), (120, 90), (480, 640), (1, 5), (77, 77),
                                (1023, 3), (333, 1000), (128, 128)])
@pytest.mark.parametrize('long_side', [128, 1024])
def test_resize_shape_is_segment_anythings_rule(hw, long_side):
    expected = _sam_get_preprocess_shape()(hw[0], hw[1], long_side)
    assert resize_longest_side_shape(hw[0], hw[1], long_side) == expected
    assert max(expected) == long_side


def test_known_resize_shapes():
    assert resize_longest_side_shape(90, 120, 128) == (96, 128)
    assert resize_longest_side_shape(300, 400, 1024) == (768, 1024)
    assert resize_longest_side_shape(1, 5, 128) == (26, 128)  # 25.6 rounds up


@pytest.mark.parametrize('hw', [(90, 120), (150, 70)])
def test_pil_backend_equals_segment_anything(hw):
    rgb = smooth_image(*hw, seed=3)
    pre = SAMDataPreprocessor(image_size=128)
    out, (new_h, new_w) = pre.transform_image(_bgr_chw(rgb))
    resized = sam_resize(rgb, 128)
    assert (new_h, new_w) == resized.shape[:2]
    expected = _sam_preprocess(resized, 128)
    assert out.shape == expected.shape == (3, 128, 128)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_torch_backend_within_one_grey_level():
    rgb = smooth_image(150, 200, seed=4)
    outs = {}
    for backend in ('pil', 'torch'):
        pre = SAMDataPreprocessor(image_size=128, resize_backend=backend)
        out, shape = pre.transform_image(_bgr_chw(rgb))
        assert shape == (96, 128)
        outs[backend] = (out * STD + MEAN)[:, :96]  # back to grey levels, no padding
    diff = (outs['pil'] - outs['torch']).abs()
    assert diff.max() <= 1.0 + 1e-3
    assert diff.mean() < 0.5
    assert torch.allclose(outs['torch'], outs['torch'].round(), atol=1e-3)  # rounded


def test_normalisation_and_zero_padding_values():
    colour_rgb = (200, 10, 90)
    rgb = np.empty((60, 30, 3), np.uint8)
    rgb[:] = colour_rgb
    for backend in ('pil', 'torch'):
        pre = SAMDataPreprocessor(image_size=64, resize_backend=backend)
        out, (new_h, new_w) = pre.transform_image(_bgr_chw(rgb))
        assert (new_h, new_w) == (64, 32)
        expected = (torch.tensor(colour_rgb, dtype=torch.float32) - MEAN.view(3)) / \
            STD.view(3)
        torch.testing.assert_close(out[:, :new_h, :new_w],
                                   expected.view(3, 1, 1).expand(3, 64, 32))
        assert torch.count_nonzero(out[:, :, new_w:]) == 0  # padding after normalising


def test_rgb_input_without_swap():
    rgb = smooth_image(64, 64, seed=5)
    chw = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))
    out, _ = SAMDataPreprocessor(image_size=64, bgr_to_rgb=False).transform_image(chw)
    torch.testing.assert_close(out, _sam_preprocess(rgb, 64))  # no resize needed


def test_forward_sets_metainfo_and_stacks():
    pre = SAMDataPreprocessor(image_size=128)
    images = [_bgr_chw(smooth_image(90, 120, 1)), _bgr_chw(smooth_image(200, 50, 2))]
    samples = [DetDataSample(metainfo=dict(ori_shape=(90, 120))),
               DetDataSample(metainfo=dict(ori_shape=(200, 50)))]
    data = pre(dict(inputs=images, data_samples=samples))
    assert data['inputs'].shape == (2, 3, 128, 128)
    assert data['inputs'].dtype == torch.float32
    first, second = data['data_samples']
    assert first.img_shape == (96, 128)
    assert first.scale_factor == pytest.approx((128 / 120, 96 / 90))
    assert second.img_shape == (128, 32)
    assert second.scale_factor == pytest.approx((32 / 50, 128 / 200))
    for sample in (first, second):
        assert sample.pad_shape == (128, 128) and sample.batch_input_shape == (128, 128)
    assert torch.count_nonzero(data['inputs'][1, :, :, 32:]) == 0
    # a single (3, H, W) tensor is a batch of one
    single = pre(dict(inputs=images[0], data_samples=None))
    assert single['inputs'].shape == (1, 3, 128, 128)
    assert torch.equal(single['inputs'][0], data['inputs'][0])


def test_branch_dicts():
    pre = SAMDataPreprocessor(image_size=64)
    weak = _bgr_chw(smooth_image(32, 64, 1))
    strong = _bgr_chw(smooth_image(32, 64, 2))
    data = pre(dict(inputs=dict(weak=[weak], strong=[strong]),
                    data_samples=dict(weak=[DetDataSample()], strong=[DetDataSample()])))
    assert set(data['inputs']) == set(data['data_samples']) == {'weak', 'strong'}
    assert torch.equal(data['inputs']['weak'][0], pre.transform_image(weak)[0])
    assert torch.equal(data['inputs']['strong'][0], pre.transform_image(strong)[0])
    for branch in ('weak', 'strong'):
        assert data['inputs'][branch].shape == (1, 3, 64, 64)
        assert data['data_samples'][branch][0].img_shape == (32, 64)
        assert data['data_samples'][branch][0].scale_factor == (1.0, 1.0)


def test_bad_backend():
    with pytest.raises(ValueError, match="resize_backend must be 'pil' or 'torch'"):
        SAMDataPreprocessor(resize_backend='cv2')
