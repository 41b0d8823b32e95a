"""The tiny source SAM's configs on a COCO-format dataset of the real-data layout (adapt /
test splits only, images larger than the model's 128 px and not square):
configs/sam/direct_tiny-p4_box_coco.py and configs/wesam/wesam_tiny-p4_{box,point}_60it_coco.py."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import REPO, write_coco_dataset

SHIPPED, TOKENS, ITERS = 'sam_tiny_synthetic_source_p4.pth', 32, 60


def _config(name: str, data_root: str, work_dir: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    # what a user passes with --cfg-options (see the configs' headers)
    cfg.merge_from_dict({f'{loader}.dataset.data_root': data_root + '/'
                         for loader in ('train_dataloader', 'val_dataloader',
                                        'test_dataloader')})
    cfg.work_dir = work_dir
    return cfg


@pytest.mark.parametrize('prompt', ['box', 'point'])
def test_tiny_direct_and_wesam_on_real_layout(prompt, tmp_path):
    name, tokens, iters = SHIPPED, TOKENS, ITERS
    shipped = osp.join(REPO, 'checkpoints', name)
    root = str(tmp_path / 'data')
    write_coco_dataset(root, num_images=5, height=150, width=200, max_instances=3, seed=1,
                       splits={'adapt': (0, 3), 'test': (3, 5)})
    assert not osp.exists(osp.join(root, 'annotations', 'instances_val.json'))

    direct_cfg = _config('sam/direct_tiny-p4_box_coco.py', root, str(tmp_path / 'direct'))
    assert direct_cfg.model.init_cfg.checkpoint == f'checkpoints/{name}'
    assert direct_cfg.model.head.image_embedding_size == tokens
    direct_cfg.model.init_cfg.checkpoint = shipped
    direct_cfg.model.prompt_type = prompt  # README: --cfg-options model.prompt_type=point
    direct = Runner.from_cfg(direct_cfg)
    direct_metrics = direct.test()  # masks are scored at 150 x 200 (shape-checked)
    assert direct_metrics['num_images'] == 2
    assert 0 < direct_metrics['mIoU'] <= 100

    cfg = _config(f'wesam/wesam_tiny-p4_{prompt}_60it_coco.py', root, str(tmp_path / 'wesam'))
    assert cfg.model.segmentor.prompt_type == prompt
    assert cfg.model.segmentor.init_cfg.checkpoint == f'checkpoints/{name}'
    assert cfg.train_cfg.max_iters == iters
    cfg.model.segmentor.init_cfg.checkpoint = shipped
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.train_dataloader.batch_size = 2
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    runner.train()  # validates after the last iteration
    trained = runner.model.segmentor.state_dict()
    # the shipped weights were loaded (pos_embed does not train) and the low-rank branch moved
    weights = torch.load(shipped, map_location='cpu')
    assert trained['backbone.pos_embed'].equal(weights['image_encoder.pos_embed'])
    assert trained['backbone.pos_embed'].shape[1:3] == (tokens, tokens)
    lora = [k for k in trained if '.lora_' in k]
    assert lora and any(trained[k].abs().sum() > 0 for k in lora if '.lora_B_' in k)
    # that validation read instances_test.json (2 images)
    hub = runner.message_hub
    assert hub.get_scalar('val/num_images').current() == 2
    assert 0 < hub.get_scalar('val/mIoU').current() <= 100
