"""Each dataset config points every dataloader at its converted data root."""
import os.path as osp
import shutil

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
def test_wesam_configs(prompt, tmp_path):
    config_dir = osp.join(REPO, 'configs')
    base = osp.join(config_dir, 'wesam', f'wesam_b_{prompt}_coco.py')
    if not osp.isfile(base):
        # the COCO config is the lead's; until it exists, check the overrides against a
        # stand-in with the same _base_ dataset in a copy of the config tree
        config_dir = str(tmp_path / 'configs')
        shutil.copytree(osp.join(REPO, 'configs', '_base_'), osp.join(config_dir, '_base_'))
        shutil.copytree(osp.join(REPO, 'configs', 'wesam'), osp.join(config_dir, 'wesam'))
        base = osp.join(config_dir, 'wesam', f'wesam_b_{prompt}_coco.py')
        with open(base, 'w') as f:
            f.write("_base_ = ['../_base_/datasets/coco_instance.py']\n"
                    f"model = dict(type='Stand-in', prompt_type='{prompt}')\n")
    base_cfg = Config.fromfile(base)
    for name, root in ROOTS.items():
        cfg = Config.fromfile(osp.join(config_dir, 'wesam', f'wesam_b_{prompt}_{name}.py'))
        check_roots(cfg, root)
        assert cfg.model == base_cfg.model  # only the data changes
