"""OSD: image_color + annotation label maps, 6:1 interleaved."""
import os.path as osp

import numpy as np

from ._helpers import (H, W, by_file, check_images_valid, check_instances, image, load_split, rect,
                       run_cli, write_gray, write_rgb)

BOX, CAN = rect(0, 0, 8, 8), rect(10, 10, 30, 20)


def test_osd_cli(tmp_path):
    root = str(tmp_path / 'OSD-0.2-depth')
    for i in range(9):
        name = f'learn{i}.png'
        write_rgb(osp.join(root, 'image_color', name), image(i))
        labels = np.zeros((H, W), np.uint8)
        labels[BOX], labels[CAN] = 3, 1
        if i == 2:
            continue  # missing annotation
        if i == 4:
            labels = np.zeros((H - 1, W), np.uint8)
        write_gray(osp.join(root, 'annotation', name), labels)
    proc = run_cli('osd', root)
    adapt, test = by_file(load_split(root, 'adapt')), by_file(load_split(root, 'test'))
    assert sorted(test) == ['image_color/learn6.png']
    assert sorted(adapt) == [f'image_color/learn{i}.png' for i in (0, 1, 3, 5, 7, 8)]
    for files in (adapt, test):
        for anns in files.values():
            check_instances(anns, [CAN, BOX], [1, 1])  # by label value: 1, then 3
    check_images_valid(root, load_split(root, 'test'))
    assert 'missing mask: 1' in proc.stdout and 'image/mask size mismatch: 1' in proc.stdout
