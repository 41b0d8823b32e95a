"""COCO-C: corrupted copies of the COCO split, one data root per corruption/severity."""
import os
import os.path as osp

import cv2
import numpy as np

from mmwesam.datasets.converters.coco import convert_coco
from mmwesam.datasets.converters.coco_c import convert_coco_c
from ._helpers import check_images_valid, load_split, make_coco, run_cli


def test_coco_c_cli(tmp_path):
    root = str(tmp_path / 'coco')
    make_coco(root)
    convert_coco(root)
    clean = {s: load_split(root, s) for s in ('adapt', 'test')}
    out = str(tmp_path / 'coco-c')
    proc = run_cli('coco_c', root, '--out', out, '--corruptions', 'gaussian_noise', 'fog',
                   '--severities', '1', '5')
    for name in ('gaussian_noise', 'fog'):
        for severity in (1, 5):
            data_root = osp.join(out, name, str(severity))
            for split in ('adapt', 'test'):
                coco = load_split(data_root, split)
                # the same split, images and annotations as the clean conversion
                assert coco['images'] == clean[split]['images']
                assert coco['annotations'] == clean[split]['annotations']
                check_images_valid(data_root, coco)
                for info in coco['images']:
                    corrupted = cv2.imread(osp.join(data_root, info['file_name']))
                    original = cv2.imread(osp.join(root, info['file_name']))
                    assert np.abs(corrupted.astype(int) - original).mean() > 1
    assert sorted(os.listdir(osp.join(out, 'fog', '5', 'val2017'))) == [
        f'{i:012d}.jpg' for i in (3, 7, 25, 30, 42)]
    assert 'COCO-C fog severity 5:' in proc.stdout


def test_coco_c_deterministic_resume_png(tmp_path):
    root = str(tmp_path / 'coco')
    make_coco(root)
    kwargs = dict(corruptions=['shot_noise'], severities=[3], ext='.png')
    convert_coco_c(root, str(tmp_path / 'a'), **kwargs)
    convert_coco_c(root, str(tmp_path / 'b'), **kwargs)
    folder = osp.join('shot_noise', '3', 'val2017')
    first = osp.join(tmp_path, 'a', folder, '000000000003.png')
    with open(first, 'rb') as f, open(osp.join(tmp_path, 'b', folder, '000000000003.png'),
                                      'rb') as g:
        assert f.read() == g.read()
    assert load_split(osp.join(tmp_path, 'a', 'shot_noise', '3'), 'test')['images'][0][
        'file_name'] == 'val2017/000000000025.png'
    # resuming keeps what exists
    os.utime(first, (0, 0))
    convert_coco_c(root, str(tmp_path / 'a'), **kwargs)
    assert os.stat(first).st_mtime == 0
    convert_coco_c(root, str(tmp_path / 'a'), overwrite=True, **kwargs)
    assert os.stat(first).st_mtime > 0
