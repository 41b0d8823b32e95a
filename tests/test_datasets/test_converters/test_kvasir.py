"""Kvasir-SEG: JPEG masks, one instance per box of kavsir_bboxes.json, 5:1 split."""
import json
import os
import os.path as osp

import numpy as np

from mmwesam.datasets.converters.kvasir import convert_kvasir
from ._helpers import (H, W, by_file, check_images_valid, check_instances, image, load_split, rect,
                       run_cli, write_gray, write_rgb)

# Shapes on the 8-pixel JPEG block grid, so that a quality-100 JPEG mask thresholded at
# 127 gives back exactly the drawn mask.
POLYP_A = rect(8, 8, 16, 24)
POLYP_B = rect(24, 24, 32, 40)


def make_kvasir(root: str) -> dict:
    """8 images: img00..img07. Position 5 is the test one (5:1)."""
    boxes, expected = {}, {}
    for i in range(8):
        name = f'img{i:02d}'
        write_rgb(osp.join(root, 'images', name + '.jpg'), image(i))
        if i == 1:  # two polyps, two boxes
            fg, masks = POLYP_A | POLYP_B, [POLYP_A, POLYP_B]
            box_list = [dict(label='polyp', xmin=8, ymin=8, xmax=23, ymax=15),
                        dict(label='polyp', xmin=24, ymin=24, xmax=39, ymax=31)]
        else:
            fg, masks = POLYP_A, [POLYP_A]
            box_list = [dict(label='polyp', xmin=6, ymin=6, xmax=25, ymax=17)]
        mask = fg.astype(np.uint8) * 255
        if i == 2:
            continue  # missing mask
        if i == 3:
            mask = np.zeros((H + 8, W), np.uint8)  # size mismatch
        write_gray(osp.join(root, 'masks', name + '.jpg'), mask)
        if i != 6:  # img06 has no entry in the box file
            boxes[name] = dict(height=H + 8 if i == 3 else H, width=W, bbox=box_list)
        expected[f'images/{name}.jpg'] = masks
    with open(osp.join(root, 'kavsir_bboxes.json'), 'w') as f:
        json.dump(boxes, f)
    return expected


def test_kvasir_cli(tmp_path):
    root = str(tmp_path / 'kvasir')
    expected = make_kvasir(root)
    proc = run_cli('kvasir', root)
    adapt, test = load_split(root, 'adapt'), load_split(root, 'test')
    adapt_files, test_files = by_file(adapt), by_file(test)
    assert sorted(adapt_files) == ['images/img00.jpg', 'images/img01.jpg',
                                   'images/img04.jpg', 'images/img07.jpg']
    assert sorted(test_files) == ['images/img05.jpg']
    for files in (adapt_files, test_files):
        for name, anns in files.items():
            check_instances(anns, expected[name], [1] * len(anns))
    assert adapt['categories'] == test['categories'] == [dict(id=1, name='polyp')]
    # ids: sorted names -> 1..8, whatever was skipped
    assert [i['id'] for i in adapt['images']] == [1, 2, 5, 8]
    check_images_valid(root, adapt)
    out = proc.stdout
    assert 'missing mask: 1' in out
    assert 'image/mask size mismatch: 1' in out
    assert 'no entry in kavsir_bboxes.json: 1' in out
    assert 'adapt:      4 images       5 instances' in out


def test_kvasir_connected_and_out(tmp_path):
    root = str(tmp_path / 'kvasir')
    make_kvasir(root)
    out = str(tmp_path / 'converted')
    summary = convert_kvasir(root, out, instances='connected')
    # without boxes img06 (absent from the box file) is converted too
    assert summary.instances == dict(adapt=6, test=1)
    adapt = load_split(out, 'adapt')
    check_instances(by_file(adapt)['images/img01.jpg'], [POLYP_A, POLYP_B])


def test_box_instances_overlap_and_outside():
    from mmwesam.datasets.converters.common import SkipCounter
    from mmwesam.datasets.converters.kvasir import box_instances
    fg = rect(0, 0, 10, 10) | rect(20, 30, 24, 34)
    counter = SkipCounter()
    boxes = [dict(xmin=0, ymin=0, xmax=5, ymax=9), dict(xmin=4, ymin=0, xmax=9, ymax=9),
             dict(xmin=35, ymin=0, xmax=39, ymax=5)]  # the third holds no foreground
    masks = box_instances(fg, dict(height=32, width=40, bbox=boxes), 'm.jpg', counter)
    check = [rect(0, 0, 10, 6), rect(0, 4, 10, 10)]
    assert len(masks) == 2 and all((m == c).all() for m, c in zip(masks, check))
    assert counter.instances == {'box without foreground': 1}
    assert counter.oddities == {'boxes overlap on foreground (shared pixels)': 1,
                                'foreground outside every box': 1}


def test_a_conversion_that_finds_no_instances_fails(tmp_path):
    """Masks in the wrong folder: every image is skipped. The converter exits non-zero,
    naming the split and why, and writes no (empty) json."""
    root = str(tmp_path / 'kvasir')
    make_kvasir(root)
    os.rename(osp.join(root, 'masks'), osp.join(root, 'masks_elsewhere'))
    os.makedirs(osp.join(root, 'masks'))
    proc = run_cli('kvasir', root, check=False)
    assert proc.returncode != 0
    assert 'no instances in the adapt and test split(s)' in proc.stderr
    assert 'missing mask' in proc.stderr
    assert not osp.exists(osp.join(root, 'annotations', 'instances_test.json'))
