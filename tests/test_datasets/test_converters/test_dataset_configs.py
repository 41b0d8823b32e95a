"""Each dataset config points every dataloader at its converted data root."""
import os.path as osp

import pytest
from mmengine.config import Config

from ._helpers import REPO

ROOTS = dict(voc='data/VOCdevkit/VOC2012/', kvasir='data/kvasir/', isic='data/isic/',
             camo='data/camo/', cod10k='data/cod10k/', chameleon='data/chameleon/',
             ocid='data/ocid/', osd='data/osd/', coco_c='data/coco-c/gaussian_noise/5/')


def check_roots(cfg: Config, root: str) -> None:
    for loader, ann in (('train_dataloader', 'adapt'), ('val_dataloader', 'test'),
                        ('test_dataloader', 'test')):
        dataset = cfg[loader]['dataset']
        assert dataset['data_root'] == root, loader
        assert dataset['ann_file'] == f'annotations/instances_{ann}.json'
        assert dataset['type'] == 'SAMInstanceDataset'


@pytest.mark.parametrize('name', sorted(ROOTS))
def test_base_dataset_config(name):
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets',
                                   f'{name}_instance.py'))
    check_roots(cfg, ROOTS[name])


@pytest.mark.parametrize('prompt', ['box', 'point', 'poly'])
def test_wesam_configs(prompt):
    """Each dataset's WeSAM config is the COCO one with that dataset's data roots."""
    wesam = osp.join(REPO, 'configs', 'wesam')
    base_cfg = Config.fromfile(osp.join(wesam, f'wesam_vit-b_{prompt}_2k_coco.py'))
    for name, root in ROOTS.items():
        data = name.replace('_', '-')  # file names: coco-c
        cfg = Config.fromfile(osp.join(wesam, f'wesam_vit-b_{prompt}_2k_{data}.py'))
        check_roots(cfg, root)
        assert cfg.model == base_cfg.model  # only the data changes
