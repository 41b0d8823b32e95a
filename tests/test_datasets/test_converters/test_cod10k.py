"""COD10K: Test/Image + Test/GT_Object, 4:1 interleaved split."""
import os.path as osp

import numpy as np

from mmwesam.datasets.converters.cod10k import convert_cod10k
from ._helpers import (by_file, check_images_valid, check_instances, image, load_split, rect,
                       run_cli, write_gray, write_rgb)

FISH = rect(3, 3, 10, 12)
CRAB = rect(20, 25, 30, 38)


def make_cod10k(root: str) -> None:
    for i in range(11):
        name = f'COD10K-CAM-1-Aquatic-1-BatFish-{i:05d}'
        write_rgb(osp.join(root, 'Test', 'Image', name + '.jpg'), image(i))
        mask = FISH | CRAB if i != 7 else np.zeros_like(FISH)  # 7: nothing camouflaged
        write_gray(osp.join(root, 'Test', 'GT_Object', name + '.png'),
                   mask.astype(np.uint8) * 255)


def test_cod10k_cli(tmp_path):
    root = str(tmp_path / 'COD10K-v3')
    make_cod10k(root)
    proc = run_cli('cod10k', root, '--instances', 'connected')
    adapt, test = by_file(load_split(root, 'adapt')), by_file(load_split(root, 'test'))
    stems = lambda files: sorted(int(n[-9:-4]) for n in files)  # noqa: E731
    assert stems(test) == [4, 9]
    assert stems(adapt) == [0, 1, 2, 3, 5, 6, 8, 10]  # 7 is empty
    for files in (adapt, test):
        for anns in files.values():
            check_instances(anns, [FISH, CRAB], [1, 1])
    check_images_valid(root, load_split(root, 'test'))
    assert 'empty mask (no instance): 1' in proc.stdout


def test_cod10k_value_mode_one_instance(tmp_path):
    root = str(tmp_path / 'COD10K-v3')
    make_cod10k(root)
    summary = convert_cod10k(root)
    assert summary.images == dict(adapt=8, test=2)
    assert summary.instances == dict(adapt=8, test=2)
    check_instances(next(iter(by_file(load_split(root, 'test')).values())), [FISH | CRAB])
