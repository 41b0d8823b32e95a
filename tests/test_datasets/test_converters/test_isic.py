"""ISIC 2016: official Training/Test folders, <id>_Segmentation.png, optional csv lists."""
import os.path as osp

import numpy as np

from mmwesam.datasets.converters.isic import convert_isic
from ._helpers import (by_file, check_images_valid, check_instances, image, load_split, rect,
                       run_cli, write_gray, write_rgb)

P = 'ISBI2016_ISIC_Part1'
LESION = rect(4, 6, 20, 30)
SECOND = rect(24, 2, 30, 8)  # a separate blob: an instance only with --instances connected


def make_isic(root: str) -> None:
    for official, ids in (('Training', [0, 1, 2, 4]), ('Test', [3, 5, 6])):
        for i in ids:
            name = f'ISIC_{i:07d}'
            write_rgb(osp.join(root, f'{P}_{official}_Data', name + '.jpg'), image(i))
            if i == 2:
                continue  # no ground truth
            mask = (LESION | SECOND) if i == 1 else LESION
            write_gray(osp.join(root, f'{P}_{official}_GroundTruth',
                                f'{name}_Segmentation.png'), mask.astype(np.uint8) * 255)
    # the test list leaves ISIC_0000006 out: it must not be converted
    with open(osp.join(root, f'{P}_Test_GroundTruth.csv'), 'w') as f:
        f.write('image_id,label\nISIC_0000003,0\nISIC_0000005.jpg,1\n')


def test_isic_cli(tmp_path):
    root = str(tmp_path / 'isic')
    make_isic(root)
    proc = run_cli('isic', root)
    adapt, test = by_file(load_split(root, 'adapt')), by_file(load_split(root, 'test'))
    assert sorted(adapt) == [f'{P}_Training_Data/ISIC_000000{i}.jpg' for i in (0, 1, 4)]
    assert sorted(test) == [f'{P}_Test_Data/ISIC_000000{i}.jpg' for i in (3, 5)]
    check_instances(adapt[f'{P}_Training_Data/ISIC_0000001.jpg'], [LESION | SECOND])
    for files in (adapt, test):
        for name, anns in files.items():
            if not name.endswith('1.jpg'):
                check_instances(anns, [LESION], [1])
    check_images_valid(root, load_split(root, 'test'))
    assert 'missing mask: 1' in proc.stdout


def test_isic_connected(tmp_path):
    root = str(tmp_path / 'isic')
    make_isic(root)
    summary = convert_isic(root, instances='connected')
    assert summary.instances == dict(adapt=4, test=2)
    adapt = by_file(load_split(root, 'adapt'))
    check_instances(adapt[f'{P}_Training_Data/ISIC_0000001.jpg'], [LESION, SECOND])
