"""The diagnostic models (synthetic_benchmark.diagnostics) on the tests' tiny WeSAM."""
import copy

import pytest
import torch
# the tiny WeSAM tests' batch fixture (pytest finds it by name) and source-model helpers
from test_models.test_segmentors.test_self_training import batch  # noqa: F401
from test_models.test_segmentors.test_self_training import predictions, source_sam

import synthetic_benchmark.diagnostics  # noqa: F401  (registers the diagnostic models)
from helpers import build_tiny_wesam


def test_cross_prompt_anchor_decodes_the_anchor_with_its_own_prompts(
        checkpoint, batch):  # noqa: F811 (the imported fixture)
    """The diagnostic CrossPromptAnchorSelfTraining: teacher and student see points, the
    anchor the boxes of the same instances; everything else is WeSAM's."""
    def weak_as_strong(data):
        data['inputs']['strong'] = data['inputs']['weak'].clone()
        data['data_samples']['strong'] = data['data_samples']['weak']

    def losses(model):
        data = model.data_preprocessor(copy.deepcopy(batch), True)
        weak_as_strong(data)
        return model(**data, mode='loss'), data

    point = dict(prompt_type='point', test_prompt_type='point')
    plain = build_tiny_wesam(checkpoint, segmentor=point).eval()
    cross = build_tiny_wesam(checkpoint, segmentor=point, anchor_prompt_type='box',
                             type='CrossPromptAnchorSelfTraining').eval()
    plain_losses, _ = losses(plain)
    cross_losses, data = losses(cross)

    source = source_sam(checkpoint)
    samples = data['data_samples']['weak']
    _, by_point = predictions(source, data['inputs']['weak'], samples, 'point')
    _, by_box = predictions(source, data['inputs']['weak'], samples, 'box')
    seg = cross.segmentor
    expected = []
    for (point_logits, _), (box_logits, _), sample in zip(by_point, by_box, samples):
        point_crop = seg.loss_logits(point_logits[:, 0], sample)
        box_crop = seg.loss_logits(box_logits[:, 0], sample)
        expected.append(cross.loss_anchor(point_crop, point_crop, box_crop))
    torch.testing.assert_close(cross_losses['loss_anchor'], torch.stack(expected).mean())
    # the self-training terms (teacher = student = points) are WeSAM's, the anchor's not
    for key in ('loss_st_focal', 'loss_st_dice', 'loss_st_iou'):
        torch.testing.assert_close(cross_losses[key], plain_losses[key])
    assert (cross_losses['loss_anchor'] - plain_losses['loss_anchor']).abs() > 1e-3


@pytest.mark.parametrize('options,message', [
    (dict(anchor_prompt_type='boxes'), 'not a prompt kind'),
    (dict(anchor_prompt_type='box', prompt_generator=dict(type='GridPromptGenerator')),
     'prompt_generator')])
def test_cross_prompt_anchor_rejects_bad_options(checkpoint, options, message):
    with pytest.raises(ValueError, match=message):
        build_tiny_wesam(checkpoint, type='CrossPromptAnchorSelfTraining', **options)
