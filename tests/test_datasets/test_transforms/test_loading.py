"""LoadImageAnyDepth: 8-bit files as LoadImageFromFile reads them, 16-bit and float files
scaled to 8 bits by the documented rule instead of near-black."""
import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile

from mmwesam.datasets.transforms import LoadImageAnyDepth, to_uint8


def _load(path):
    return LoadImageAnyDepth()(dict(img_path=str(path)))


def test_8_bit_files_load_exactly_as_before(tmp_path):
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (20, 30), dtype=np.uint8)
    for name, image in (('colour.png', colour), ('grey.png', grey), ('colour.jpg', colour)):
        cv2.imwrite(str(tmp_path / name), image)
        ours = _load(tmp_path / name)
        theirs = LoadImageFromFile()(dict(img_path=str(tmp_path / name)))
        assert ours['img'].dtype == np.uint8 and ours['img'].shape == (20, 30, 3)
        assert np.array_equal(ours['img'], theirs['img']), name
        assert ours['ori_shape'] == theirs['ori_shape'] == (20, 30)


def test_12_bit_data_in_a_16_bit_png_is_not_near_black(tmp_path):
    image = np.linspace(0, 4095, 20 * 30).reshape(20, 30).astype(np.uint16)
    cv2.imwrite(str(tmp_path / 'twelve.png'), image)
    before = LoadImageFromFile()(dict(img_path=str(tmp_path / 'twelve.png')))['img']
    assert before.max() <= 16  # what OpenCV's 8-bit read gives: the top byte
    ours = _load(tmp_path / 'twelve.png')['img']
    assert ours.shape == (20, 30, 3) and ours.max() == 255 and ours.min() == 0
    expected = np.round(image * (255 / 4095)).astype(np.uint8)
    assert np.array_equal(ours[..., 0], expected)


def test_the_bit_depth_rule():
    full = np.array([[0, 65535, 257]], np.uint16)
    assert to_uint8(full).tolist() == [[0, 255, 1]]
    dark = np.array([[0, 255]], np.uint16)  # 8 bits hold it: unchanged values
    assert to_uint8(dark).tolist() == [[0, 255]]
    assert to_uint8(np.array([[0.0, 0.5, 1.0]], np.float32)).tolist() == [[0, 128, 255]]
    assert to_uint8(np.array([[-3.0, 100.4, 300.0]], np.float32)).tolist() == [[0, 100, 255]]
    with pytest.raises(ValueError, match='x.tif: a float image with NaN'):
        to_uint8(np.array([[np.nan]], np.float32), 'x.tif')
    with pytest.raises(ValueError, match='int32 pixels are not supported'):
        to_uint8(np.zeros((2, 2), np.int32))


def test_float_tiff_and_unreadable_files(tmp_path):
    image = np.full((8, 10), 0.25, np.float32)
    assert cv2.imwrite(str(tmp_path / 'float.tif'), image)
    assert _load(tmp_path / 'float.tif')['img'][0, 0].tolist() == [64, 64, 64]
    (tmp_path / 'broken.png').write_bytes(b'<html>not an image</html>')
    with pytest.raises(ValueError, match=r'broken.png: not a readable image \(25 bytes\)'):
        _load(tmp_path / 'broken.png')
    with pytest.raises(FileNotFoundError):
        _load(tmp_path / 'missing.png')
