"""WeakLabelSelfTraining: with its terms off it is WeSAM exactly; clipping cuts the pseudo
labels to the box; each weak-label term is its loss on the decoder's low-res grid, with
the prompts moved into that frame."""
import copy

import torch
from test_self_training import _assert_close, _losses_and_grads, adapt, batch  # noqa: F401

from mmwesam.models.losses import BoxProjectionLoss, PointLabelLoss
from helpers import build_tiny_wesam

OFF = dict(type='WeakLabelSelfTraining', loss_box_projection=None, loss_pairwise=None,
           loss_points=None, loss_polygon=None, clip_pseudo_labels=False)


def test_with_every_term_off_it_is_wesam(checkpoint, batch):  # noqa: F811
    wesam = build_tiny_wesam(checkpoint)
    adapt(wesam, batch, steps=1)
    off = build_tiny_wesam(checkpoint, **OFF)
    off.load_state_dict(wesam.state_dict())
    _assert_close(_losses_and_grads(wesam, batch), _losses_and_grads(off, batch), 1e-6)


def test_clipping_cuts_pseudo_labels_to_the_box(checkpoint, batch):  # noqa: F811
    model = build_tiny_wesam(checkpoint, **dict(OFF, clip_pseudo_labels=True))
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    sample = data['data_samples']['weak'][0]
    (boxes, ) = model.instance_extras(sample, 'box')
    teacher = torch.ones(len(boxes), *sample.metainfo['ori_shape'])  # all foreground
    labels = model.pseudo_labels(teacher, boxes, sample=sample)
    for box, label in zip(boxes.round().long().tolist(), labels):
        x0, y0, x1, y1 = box
        assert label[y0:y1, x0:x1].all() and label.sum() == (y1 - y0) * (x1 - x0)
    assert torch.equal(model.pseudo_labels(teacher, sample=sample), teacher > 0)


def test_the_weak_label_terms_are_their_losses_on_the_low_res_grid(checkpoint, batch):  # noqa
    model = build_tiny_wesam(checkpoint, type='WeakLabelSelfTraining', loss_pairwise=None)
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    sample = data['data_samples']['weak'][0]
    seg = model.segmentor
    height, width = seg._low_res_valid_shape(sample)
    num = len(sample.gt_instances)
    logits = torch.randn(num, seg.head.low_res_size, seg.head.low_res_size)
    image = data['inputs']['weak'][0]
    terms = model.image_losses(sample, 'box', logits, logits * 0.5, image)
    stride = seg.image_size / seg.head.low_res_size  # 4: 128 px input, 32 low-res
    sx, sy = sample.metainfo['scale_factor']
    boxes = sample.gt_instances.prompt_boxes * torch.tensor([sx, sy, sx, sy]) / stride
    expected = (BoxProjectionLoss()(logits[:, :height, :width], boxes)
                + BoxProjectionLoss()(logits[:, :height, :width] * 0.5, boxes)) / 2
    assert set(terms) == {'loss_wl_box'}
    torch.testing.assert_close(terms['loss_wl_box'], expected)

    terms = model.image_losses(sample, 'point', logits, logits, image)
    points = sample.gt_instances.prompt_points * torch.tensor([sx, sy]) / stride
    expected = PointLabelLoss()(logits[:, :height, :width], points,
                                sample.gt_instances.prompt_point_labels)
    assert set(terms) == {'loss_wl_points'}
    torch.testing.assert_close(terms['loss_wl_points'], expected)

    terms = model.image_losses(sample, 'poly', logits, logits, image)
    assert set(terms) == {'loss_wl_box', 'loss_wl_polygon'}


def test_it_trains_with_finite_losses(checkpoint, batch):  # noqa: F811
    model = build_tiny_wesam(checkpoint, type='WeakLabelSelfTraining')
    outputs = adapt(model, batch, steps=2)
    assert {'loss_wl_box', 'loss_wl_pairwise', 'loss_st_focal'} <= set(outputs[0])
