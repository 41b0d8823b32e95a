"""Every config family (WeSAM box/point/poly/prompt-free, loss ablations, EMA teacher,
TENT, which-parts-to-tune, cross-prompt, supervised) trains a tiny SAM for 2 iterations
in an mmengine Runner and validates at the end."""
import math
import os.path as osp
import re

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from helpers import REPO, changed_keys, clone_state, tiny_runner_config, write_coco_dataset

ST = {'loss_st_focal', 'loss_st_dice', 'loss_st_iou'}
LORA = r'\.lora_'
NORMS = r'^segmentor\.backbone\.blocks\.\d+\.norm[12]\.'
WESAM = dict(model='SelfTrainingTeacher', changes=LORA, losses=ST | {'loss_anchor'},
             contrast=True)

FAMILIES = {
    'wesam/wesam_vit-b_box_2k_coco.py': dict(WESAM, prompt='box'),
    'wesam/wesam_vit-b_point_2k_coco.py': dict(WESAM, prompt='point'),
    'wesam/wesam_vit-b_poly_2k_coco.py': dict(WESAM, prompt='poly'),
    # every encoder block checkpointed
    'wesam/wesam-lowmem_vit-b_box_2k_coco.py': dict(WESAM, prompt='box'),
    # + late LoRA (on the tiny encoder's 6 blocks: the last 6 of ViT-B's 12 are all)
    'wesam/wesam-lowmem-late_vit-b_box_2k_coco.py': dict(WESAM, prompt='box'),
    'wesam/wesam_vit-b_promptfree_2k_coco.py': dict(WESAM, prompt_free=True),
    'baselines/selftrain-only_vit-b_box_2k_coco.py': dict(WESAM, losses=ST, contrast=False),
    'baselines/selftrain-anchor_vit-b_box_2k_coco.py': dict(WESAM, contrast=False),
    'baselines/ema-teacher_vit-b_box_2k_coco.py': dict(WESAM, losses=ST, contrast=False, ema=True),
    'baselines/tent_vit-b_box_2k_coco.py': dict(
        model='EntropyMinimization', changes=NORMS, losses={'loss_entropy'}, contrast=False),
    'baselines/wesam-tune-decoder_vit-b_box_2k_coco.py': dict(
        WESAM, changes=r'^segmentor\.head\.mask_decoder\.', copies=True),
    'baselines/wesam-tune-layernorm_vit-b_box_2k_coco.py': dict(WESAM, changes=NORMS, copies=True),
    'baselines/wesam-tune-full_vit-b_box_2k_coco.py': dict(
        WESAM, changes=r'^segmentor\.', copies=True),
    'baselines/wesam_vit-b_box2point_2k_coco.py': dict(WESAM, prompt='box', test_prompt='point'),
    'wesam_wl/wesam-wl_vit-b_box_2k_coco.py': dict(
        WESAM, model='WeakLabelSelfTraining', prompt='box',
        losses=WESAM['losses'] | {'loss_wl_box', 'loss_wl_pairwise'}),
    'wesam_wl/wesam-wl_vit-b_point_2k_coco.py': dict(
        WESAM, model='WeakLabelSelfTraining', prompt='point',
        losses=WESAM['losses'] | {'loss_wl_points'}),
    'wesam_wl/wesam-wl_vit-b_poly_2k_coco.py': dict(
        WESAM, model='WeakLabelSelfTraining', prompt='poly',
        losses=WESAM['losses'] | {'loss_wl_box', 'loss_wl_polygon'}),  # no pairwise (Y3)
    'sam/supervised_vit-b_box_2k_coco.py': dict(
        model='PromptableSAM', changes=r'^backbone\..*\.lora_',
        losses={'loss_focal', 'loss_dice', 'loss_iou'}, contrast=False),
}


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco_dataset(root, num_images=6, max_instances=3, seed=0)
    return root


class Recorder(Hook):
    """Weights before training, instance counts and outputs of every iteration."""

    def __init__(self):
        self.before, self.instances, self.outputs = None, [], []

    def before_train(self, runner):
        self.before = clone_state(runner.model)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        samples = data_batch['data_samples']
        samples = samples['weak'] if isinstance(samples, dict) else samples
        self.instances.append([len(s.gt_instances) for s in samples])

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append({k: v.detach().clone() for k, v in outputs.items()})


@pytest.mark.parametrize('config', sorted(FAMILIES))
def test_config_family_trains_and_validates(config, checkpoint, data_root, tmp_path):
    expect = FAMILIES[config]
    cfg = tiny_runner_config(osp.join(REPO, 'configs', config), checkpoint, data_root,
                             tmp_path / 'work_dir', max_iters=2, batch_size=2)
    if expect.get('prompt_free'):
        # a random tiny SAM is never confident or stable: let its prompts through (the
        # filters are tested in test_grid_prompt_generator.py)
        cfg.model.prompt_generator.update(points_per_side=4, pred_iou_thresh=-1e9,
                                          stability_score_thresh=0.0, max_instances=3)
    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder, priority='LOWEST')
    runner.train()
    model = runner.model

    assert type(model).__name__ == expect['model']
    segmentor = model if expect['model'] == 'PromptableSAM' else model.segmentor
    assert segmentor.image_size == 128 and len(segmentor.backbone.blocks) == 6
    if 'prompt' in expect:
        assert segmentor.prompt_type == expect['prompt']
    assert segmentor.test_prompt_type == expect.get('test_prompt', expect.get('prompt', 'box'))

    # 2 iterations, finite losses, the family's loss terms
    assert len(recorder.outputs) == 2
    for outputs, counts in zip(recorder.outputs, recorder.instances):
        assert all(torch.isfinite(v).all() for v in outputs.values()), outputs
        losses = {k for k in outputs if k.startswith('loss_')}
        if expect.get('prompt_free'):  # the instances are the anchor's, not the GT's
            assert expect['losses'] <= losses <= expect['losses'] | {'loss_contrast'}
            assert outputs['loss'] > 0
            continue
        assert len(counts) == 2 and min(counts) >= 1
        expected = set(expect['losses'])
        if expect['contrast'] and max(counts) >= 2:
            expected.add('loss_contrast')
        assert losses == expected
        if expect['contrast']:
            assert outputs['contrast_skipped'].item() == sum(c == 1 for c in counts)
        else:
            assert 'contrast_skipped' not in outputs

    # only the configured parameters moved (frozen source copies included)
    changed = changed_keys(recorder.before, model)
    assert changed, 'nothing was adapted'
    assert all(re.search(expect['changes'], k) for k in changed), changed
    if expect['model'] in ('SelfTrainingTeacher', 'WeakLabelSelfTraining'):
        assert not any(k.startswith('source_copies.') for k in changed)
        has_copies = len(list(model.source_copies.buffers())) > 0
        assert has_copies == bool(expect.get('copies'))
        if expect.get('ema'):
            assert model.teacher is not model.student
            assert any(k.startswith('ema_segmentor.') for k in changed)
        else:
            assert model.teacher is model.student

    # validation ran at the end
    mIoU = runner.message_hub.get_scalar('val/mIoU').current()
    assert math.isfinite(mIoU) and 0 <= mIoU <= 100
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_2.pth'))
