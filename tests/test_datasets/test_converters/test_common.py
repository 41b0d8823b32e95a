"""Shared converter helpers: annotations from masks, binarisation, splits."""
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from mmwesam.datasets.converters.common import (Sample, assign_interleaved, binarize_mask,
                                                connected_instances, instances_from_label_map,
                                                interleaved_split, mask_to_annotation, parse_ratio)
from ._helpers import check_instances, rect


def test_mask_to_annotation_exact():
    mask = rect(3, 5, 10, 9) | rect(20, 30, 21, 31)  # 7x4 block + one pixel
    ann = mask_to_annotation(mask, ann_id=4, image_id=2, category_id=3)
    assert (ann['id'], ann['image_id'], ann['category_id'], ann['iscrowd']) == (4, 2, 3, 0)
    assert ann['area'] == 29
    assert ann['bbox'] == [5.0, 3.0, 26.0, 18.0]
    assert ann['segmentation']['size'] == [32, 40]
    check_instances([ann], [mask])
    # the str counts decode like pycocotools' own bytes
    assert (mask_utils.decode(ann['segmentation']) == mask).all()


def test_binarize_mask_rules():
    two = np.array([[0, 1], [1, 0]], np.uint8)
    assert binarize_mask(two).tolist() == [[False, True], [True, False]]
    assert binarize_mask(two * 38).tolist() == [[False, True], [True, False]]
    soft = np.array([[0, 60, 128, 255]], np.uint8)  # anti-aliased edge
    assert binarize_mask(soft).tolist() == [[False, False, True, True]]
    assert not binarize_mask(np.zeros((2, 2), np.uint8)).any()
    wide = np.array([[0, 1000, 40000, 65535]], np.uint16)
    assert binarize_mask(wide).tolist() == [[False, False, True, True]]


def test_label_map_and_components():
    labels = np.zeros((32, 40), np.uint8)
    labels[rect(0, 0, 4, 4)] = 1
    labels[rect(10, 10, 12, 12) | rect(20, 20, 22, 22)] = 5  # one object in two parts
    found = instances_from_label_map(labels, ignore=(0, 1))
    assert [v for v, _ in found] == [5]
    assert found[0][1].sum() == 8
    parts = connected_instances(labels > 0)
    assert sorted(int(p.sum()) for p in parts) == [4, 4, 16]


def test_interleaved_split():
    assert parse_ratio('6:1') == 7 and parse_ratio('4:1') == 5
    with pytest.raises(Exception):
        parse_ratio('3:2')
    samples = assign_interleaved([Sample(f'{i:02d}.jpg') for i in reversed(range(14))], 7)
    assert [s.file_name for s in samples if s.split == 'test'] == ['06.jpg', '13.jpg']
    assert [interleaved_split(i, 6) for i in range(6)].count('test') == 1


def test_unreadable_and_exif_rotated_files(tmp_path):
    from PIL import Image

    from mmwesam.datasets.converters.common import (EXIF_ROTATED, ConversionError, SkipImage,
                                                    image_size, read_mask_array)
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'\x89PNG\r\n\x1a\n not really a png')
    with pytest.raises(ConversionError, match='broken.png'):
        image_size(str(broken))
    with pytest.raises(ConversionError, match='broken.png'):
        read_mask_array(str(broken), 'label')
    # OpenCV (mmcv's loader) turns this 40x32 image into 32x40; its masks would not fit
    img = Image.fromarray(np.zeros((32, 40, 3), np.uint8))
    exif = img.getexif()
    exif[0x0112] = 6
    img.save(tmp_path / 'rotated.jpg', exif=exif.tobytes())
    with pytest.raises(SkipImage) as info:
        image_size(str(tmp_path / 'rotated.jpg'))
    assert info.value.reason == EXIF_ROTATED
    assert image_size(str(tmp_path / 'rotated.jpg'), check_exif=False) == (32, 40)
