"""CAMO: Images/{Train,Test} + GT, official split, binary masks in several encodings."""
import os.path as osp

import numpy as np

from ._helpers import (H, W, by_file, check_images_valid, check_instances, image, load_split, rect,
                       run_cli, write_gray, write_rgb)

OBJECT = rect(5, 5, 25, 30)


def test_camo_cli(tmp_path):
    root = str(tmp_path / 'camo')
    masks = {}
    for i, official in enumerate(['Train'] * 4 + ['Test'] * 3):
        name = f'camourflage_{i:05d}'
        write_rgb(osp.join(root, 'Images', official, name + '.jpg'), image(i))
        if i == 0:  # 0/255 with anti-aliased edge values: > 127 is the object
            values = OBJECT.astype(np.uint8) * 255
            values[rect(4, 5, 5, 30)] = 100  # soft edge just outside: background
            values[rect(25, 5, 26, 30)] = 200  # soft edge just outside: object
            expected = OBJECT | rect(25, 5, 26, 30)
        elif i == 1:  # stored as 0/1
            values, expected = OBJECT.astype(np.uint8), OBJECT
        elif i == 2:
            continue  # no GT
        elif i == 3:  # wrong size
            values, expected = np.zeros((H, W + 2), np.uint8), None
        elif i == 4:  # empty: nothing to segment
            values, expected = np.zeros((H, W), np.uint8), None
        else:
            values, expected = OBJECT.astype(np.uint8) * 255, OBJECT
        write_gray(osp.join(root, 'GT', name + '.png'), values)
        masks[f'Images/{official}/{name}.jpg'] = expected
    proc = run_cli('camo', root)
    adapt, test = by_file(load_split(root, 'adapt')), by_file(load_split(root, 'test'))
    assert sorted(adapt) == ['Images/Train/camourflage_00000.jpg',
                             'Images/Train/camourflage_00001.jpg']
    assert sorted(test) == ['Images/Test/camourflage_00005.jpg',
                            'Images/Test/camourflage_00006.jpg']
    for files in (adapt, test):
        for name, anns in files.items():
            check_instances(anns, [masks[name]], [1])
    check_images_valid(root, load_split(root, 'adapt'))
    for reason in ('missing mask: 1', 'image/mask size mismatch: 1',
                   'empty mask (no instance): 1'):
        assert reason in proc.stdout
