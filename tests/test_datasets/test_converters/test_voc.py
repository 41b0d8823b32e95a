"""Pascal VOC 2012: palette PNG instances, classes by majority, 6:1 split, bad values."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from mmwesam.datasets.converters.common import ConversionError
from mmwesam.datasets.converters.voc import convert_voc
from ._helpers import (H, W, by_file, check_images_valid, check_instances, image, load_split, rect,
                       run_cli, write_palette_png, write_rgb)

CAT, DOG, PERSON = 8, 12, 15


def make_voc(root: str) -> dict:
    """9 listed ids (train+val), 2007_000000..08; position 6 is test (6:1).

    Returns {file_name: (masks, categories)} of the images that must be converted.
    """
    ids = [f'2007_{i:06d}' for i in range(9)]
    expected = {}
    for i, image_id in enumerate(ids):
        write_rgb(osp.join(root, 'JPEGImages', image_id + '.jpg'), image(i))
        objects = np.zeros((H, W), np.uint8)
        classes = np.zeros((H, W), np.uint8)
        cat, dog = rect(2, 2, 12, 12), rect(15, 20, 30, 38)
        objects[cat], classes[cat] = 1, CAT
        objects[dog], classes[dog] = 2, DOG
        # a VOC 'void' border around the dog: 255 in both maps, not part of it
        border = rect(14, 19, 31, 39) & ~dog
        objects[border], classes[border] = 255, 255
        # a few pixels of the dog mislabelled 'person': the majority still says dog
        classes[15, 20:24] = PERSON
        expected[f'JPEGImages/{image_id}.jpg'] = ([cat, dog], [CAT, DOG])
        if i == 3:
            continue  # no SegmentationObject png -> skipped
        size = (H, W + 1) if i == 4 else (H, W)  # size mismatch -> skipped
        if i == 4:
            objects, classes = np.zeros(size, np.uint8), np.zeros(size, np.uint8)
        write_palette_png(osp.join(root, 'SegmentationObject', image_id + '.png'), objects)
        write_palette_png(osp.join(root, 'SegmentationClass', image_id + '.png'), classes)
    del expected['JPEGImages/2007_000003.jpg'], expected['JPEGImages/2007_000004.jpg']
    sets = osp.join(root, 'ImageSets', 'Segmentation')
    write_list(osp.join(sets, 'train.txt'), ids[:5])
    write_list(osp.join(sets, 'val.txt'), ids[4:])  # 2007_000004 in both: listed once
    # a mask that is in no list is not converted by default
    write_palette_png(osp.join(root, 'SegmentationObject', '2008_000000.png'),
                      np.zeros((H, W), np.uint8))
    return expected


def write_list(path: str, ids) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(ids) + '\n')


def test_voc_cli(tmp_path):
    root = str(tmp_path / 'VOC2012')
    expected = make_voc(root)
    proc = run_cli('voc', root)
    adapt, test = by_file(load_split(root, 'adapt')), by_file(load_split(root, 'test'))
    assert sorted(test) == ['JPEGImages/2007_000006.jpg']
    assert sorted(adapt) == [f'JPEGImages/2007_{i:06d}.jpg' for i in (0, 1, 2, 5, 7, 8)]
    for files in (adapt, test):
        for name, anns in files.items():
            masks, cats = expected[name]
            check_instances(anns, masks, cats)
    coco = load_split(root, 'adapt')
    assert coco['categories'][CAT - 1] == dict(id=CAT, name='cat')
    assert len(coco['categories']) == 20
    check_images_valid(root, coco)
    assert 'missing mask: 1' in proc.stdout
    assert 'image/mask size mismatch: 1' in proc.stdout


def test_voc_bad_class_value_names_file(tmp_path):
    root = str(tmp_path / 'VOC2012')
    make_voc(root)
    classes = np.zeros((H, W), np.uint8)
    classes[rect(2, 2, 12, 12)] = 30  # VOC has 20 classes
    bad = osp.join(root, 'SegmentationClass', '2007_000002.png')
    write_palette_png(bad, classes)
    with pytest.raises(ConversionError, match=r'2007_000002\.png: value 30 '):
        convert_voc(root)
    # the CLI stops with the same message instead of a traceback
    from mmwesam.datasets.converters.voc import main
    with pytest.raises(SystemExit, match=r'error: .*2007_000002\.png: value 30 '):
        main([root])


def test_voc_all_masks_without_classes(tmp_path):
    root = str(tmp_path / 'VOC2012')
    make_voc(root)
    shutil.rmtree(osp.join(root, 'SegmentationClass'))
    summary = convert_voc(root, all_masks=True)
    coco = load_split(root, 'adapt')
    assert coco['categories'] == [dict(id=1, name='object')]
    assert all(a['category_id'] == 1 for a in coco['annotations'])
    # 2008_000000.png is listed now, but has no JPEG and no instance
    assert summary.skipped_images['missing image'] == 1
    assert 'one category "object"' in str(summary)
