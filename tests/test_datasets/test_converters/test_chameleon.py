"""CHAMELEON: Image + GT, all test by default, 4:1 on request."""
import os.path as osp

import numpy as np

from mmwesam.datasets.converters.chameleon import convert_chameleon
from ._helpers import (by_file, check_instances, image, load_split, rect, run_cli, write_gray,
                       write_rgb)

ANIMAL = rect(6, 4, 28, 20)


def make_chameleon(root: str) -> None:
    for i in range(6):
        name = f'animal-{i + 1}'
        write_rgb(osp.join(root, 'Image', name + '.jpg'), image(i))
        write_gray(osp.join(root, 'GT', name + '.png'), ANIMAL.astype(np.uint8) * 255)


def test_chameleon_cli_all_test(tmp_path):
    root = str(tmp_path / 'CHAMELEON')
    make_chameleon(root)
    proc = run_cli('chameleon', root)
    assert load_split(root, 'adapt')['images'] == []
    test = by_file(load_split(root, 'test'))
    assert sorted(test) == [f'Image/animal-{i}.jpg' for i in range(1, 7)]
    for anns in test.values():
        check_instances(anns, [ANIMAL], [1])
    assert 'adapt json is empty' in proc.stdout


def test_chameleon_split(tmp_path):
    root = str(tmp_path / 'CHAMELEON')
    make_chameleon(root)
    convert_chameleon(root, period=5)
    assert sorted(by_file(load_split(root, 'test'))) == ['Image/animal-5.jpg']
    assert len(load_split(root, 'adapt')['images']) == 5
