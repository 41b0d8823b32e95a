"""tools/train.py and tools/test.py end to end on a small COCO-json dataset.

Five subprocesses in all, run two or three at a time (each spends ~6 s importing):
train 4 iterations (checkpoints at 2 and 4), resume from iteration 2, test the
iteration-4 checkpoint, and the two tools on missing inputs.
"""
import glob
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from helpers import REPO, write_coco_dataset

CONFIG = 'tests/data/configs/supervised_tiny.py'
# one thread per process: the runs overlap, and tiny models gain nothing from more
ENV = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONWARNINGS='ignore')


def _start(args, cwd=REPO):
    return subprocess.Popen([sys.executable, *args], cwd=cwd, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(process, timeout=300):
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _tail(result, lines=40):
    return '\n'.join((result.stdout + result.stderr).splitlines()[-lines:])


def _data_options(root):
    return [f'{name}.dataset.data_root={root}/' for name in
            ('train_dataloader', 'val_dataloader', 'test_dataloader')]


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp('e2e')
    root = str(base / 'data')
    paths = write_coco_dataset(root, num_images=6, height=64, width=80, max_instances=3,
                               seed=3, splits={'train': (0, 3), 'val': (3, 4),
                                               'test': (4, 6)})
    work, resumed, tested = (str(base / name) for name in ('work', 'resumed', 'tested'))
    train_args = ['tools/train.py', CONFIG, '--cfg-options', *_data_options(root),
                  'train_cfg.max_iters=4', 'train_cfg.val_interval=2',
                  'default_hooks.checkpoint.interval=2', 'train_dataloader.batch_size=2']
    # missing inputs: the ViT-B WeSAM config from a folder without data/ or checkpoints/
    empty_cwd = base / 'empty_cwd'
    empty_cwd.mkdir()
    missing_train = _start([osp.join(REPO, 'tools', 'train.py'),
                            osp.join(REPO, 'configs', 'wesam', 'wesam_vit-b_box_2k_coco.py'),
                            '--work-dir', str(base / 'never')], cwd=str(empty_cwd))
    missing_ckpt = str(base / 'no_such_dir' / 'iter_9.pth')
    missing_test = _start(['tools/test.py', CONFIG, missing_ckpt, '--work-dir',
                           str(base / 'never_test'), '--cfg-options',
                           *_data_options(root)])
    train = _finish(_start(train_args[:2] + ['--work-dir', work] + train_args[2:]))
    results = dict(root=root, paths=paths, work=work, resumed=resumed, tested=tested,
                   train=train, missing_ckpt=missing_ckpt)
    if train.returncode == 0:
        resume = _start(train_args[:2] + ['--work-dir', resumed, '--resume',
                                          osp.join(work, 'iter_2.pth')] + train_args[2:])
        test = _start(['tools/test.py', CONFIG, osp.join(work, 'iter_4.pth'),
                       '--work-dir', tested, '--show-dir', 'vis',
                       '--out', osp.join(tested, 'preds.pkl'),
                       '--cfg-options', *_data_options(root)])
        results.update(resume=_finish(resume), test=_finish(test))
    results.update(missing_train=_finish(missing_train), missing_test=_finish(missing_test))
    return results


def _state(path):
    return torch.load(path, map_location='cpu')['state_dict']  # weights_only=True


def test_train_saves_checkpoints(runs):
    assert runs['train'].returncode == 0, _tail(runs['train'])
    work = runs['work']
    assert osp.isfile(osp.join(work, 'iter_2.pth')) and osp.isfile(osp.join(work, 'iter_4.pth'))
    checkpoint = torch.load(osp.join(work, 'iter_4.pth'), map_location='cpu')
    assert checkpoint['meta']['iter'] == 4
    assert 'message_hub' in checkpoint and 'optimizer' in checkpoint
    at_2, at_4 = _state(osp.join(work, 'iter_2.pth')), _state(osp.join(work, 'iter_4.pth'))
    assert at_2.keys() == at_4.keys()
    # the supervised config trains everything but the LoRA factors
    changed = [k for k in at_4 if not torch.equal(at_2[k], at_4[k])]
    assert any(k.startswith('head.mask_decoder.') for k in changed)
    assert any(k.startswith('backbone.blocks.') for k in changed)
    assert not [k for k in changed if '.lora_' in k]
    assert 'mIoU' in runs['train'].stdout + runs['train'].stderr  # validated at 2 and 4


def test_resume_gives_the_uninterrupted_weights(runs):
    assert runs['train'].returncode == 0, _tail(runs['train'])
    assert runs['resume'].returncode == 0, _tail(runs['resume'])
    assert 'Advance dataloader 2 steps' in runs['resume'].stdout + runs['resume'].stderr
    assert not osp.exists(osp.join(runs['resumed'], 'iter_2.pth'))  # it started at 2
    uninterrupted = _state(osp.join(runs['work'], 'iter_4.pth'))
    resumed = _state(osp.join(runs['resumed'], 'iter_4.pth'))
    assert uninterrupted.keys() == resumed.keys()
    different = [k for k in uninterrupted if not torch.equal(uninterrupted[k], resumed[k])]
    assert not different, different[:5]


def _iou(a, b):
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else np.logical_and(a, b).sum() / union


def test_test_tool_metrics_overlays_and_predictions(runs):
    assert runs['train'].returncode == 0, _tail(runs['train'])
    assert runs['test'].returncode == 0, _tail(runs['test'])
    tested = runs['tested']
    with open(osp.join(tested, 'test_metrics.json')) as f:
        report = json.load(f)
    metrics = report['metrics']
    assert report['checkpoint'].endswith('iter_4.pth')
    with open(runs['paths']['test']) as f:
        gt = json.load(f)
    assert 0 <= metrics['mIoU'] <= 100 and 0 <= metrics['mF1'] <= 100
    assert metrics['num_instances'] == len(gt['annotations'])
    assert metrics['num_images'] == len(gt['images']) == 2
    pngs = glob.glob(osp.join(tested, '**', 'vis', '*.png'), recursive=True)
    assert sorted(osp.basename(p) for p in pngs) == ['0004.png', '0005.png']

    # the dumped predictions give the reported mIoU back (per image, then over images)
    with open(osp.join(tested, 'preds.pkl'), 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == 2
    per_image = []
    for prediction in predictions:
        annotations = [a for a in gt['annotations'] if a['image_id'] == prediction['img_id']]
        pred_masks = prediction['pred_instances']['masks']
        assert len(pred_masks) == len(annotations)
        ious = []
        for rle, annotation in zip(pred_masks, annotations):
            segmentation = dict(annotation['segmentation'])
            segmentation['counts'] = segmentation['counts'].encode()
            ious.append(_iou(mask_utils.decode(rle).astype(bool),
                             mask_utils.decode(segmentation).astype(bool)))
        per_image.append(np.mean(ious))
    assert metrics['mIoU'] == pytest.approx(100 * np.mean(per_image), abs=1e-6)


def test_missing_data_and_checkpoint_stop_train_cleanly(runs):
    result = runs['missing_train']
    assert result.returncode == 1, _tail(result)
    assert 'Traceback' not in result.stderr
    assert 'mmwesam: cannot run' in result.stderr
    assert 'checkpoints/sam_vit_b_01ec64.pth: SAM checkpoint' in result.stderr
    assert 'data/coco/: data root' in result.stderr
    assert 'docs/en/get_started.md, section "Checkpoints"' in result.stderr


def test_missing_checkpoint_stops_test_cleanly(runs):
    result = runs['missing_test']
    assert result.returncode == 1, _tail(result)
    assert 'Traceback' not in result.stderr
    assert f'{runs["missing_ckpt"]}: checkpoint not found' in result.stderr
    assert not osp.exists(osp.join(osp.dirname(runs['work']), 'never_test'))
