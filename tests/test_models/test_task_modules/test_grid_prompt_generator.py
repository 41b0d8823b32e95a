"""GridPromptGenerator (prompt-free WeSAM): IoU / stability filters, NMS, max_instances,
boxes in original pixels."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config

from mmwesam.models.task_modules import GridPromptGenerator
from mmwesam.registry import MODELS
from helpers import TINY_CONFIG, build_tiny_wesam


@pytest.fixture(scope='module')
def tiny_sam():
    cfg = Config.fromfile(TINY_CONFIG).model
    return MODELS.build(cfg).eval()


def preprocessed_sample(model, height, width, image=None):
    """A data sample with the metainfo the real preprocessor gives (img_shape, scale)."""
    if image is None:
        image = torch.zeros(3, height, width, dtype=torch.uint8)
    data = model.data_preprocessor(dict(
        inputs=[image], data_samples=[DetDataSample(metainfo=dict(ori_shape=(height, width)))]))
    return data['inputs'], data['data_samples'][0]


# ---------------------------------------------------------------- rigged decoder
HALF = 4  # squares of 8 x 8 low-res cells around each grid point


def rigged_decode(stride, soft_half=8):
    """Per point, 3 masks: a square shifted one cell (IoU 0.9), the square (IoU 0.95),
    and a larger soft square, logits +-0.5 (IoU 0.99 but stability 0)."""
    def decode(embedding, prompts, multimask_output=False):
        assert multimask_output
        points = prompts['points'][:, 0]
        assert (prompts['point_labels'] == 1).all()
        logits = torch.full((len(points), 3, 64, 64), -10.0)
        for i, (x, y) in enumerate(points.tolist()):
            cx, cy = int(x / stride), int(y / stride)
            logits[i, 0, cy - HALF:cy + HALF, cx - HALF + 1:cx + HALF + 1] = 10.0
            logits[i, 1, cy - HALF:cy + HALF, cx - HALF:cx + HALF] = 10.0
            logits[i, 2] = -0.5
            logits[i, 2, max(cy - soft_half, 0):cy + soft_half,
                   max(cx - soft_half, 0):cx + soft_half] = 0.5
        iou = torch.tensor([[0.9, 0.95, 0.99]]).repeat(len(points), 1)
        return logits, iou
    return decode


H, W = 60, 80  # resized to 96 x 128 (scale 1.6), low-res valid grid 48 x 64, stride 2


def expected_squares(points_per_side=4, half=HALF, clip=False):
    """Boxes (original pixels) of the rigged squares around the grid points."""
    scale, stride = 1.6, 2
    boxes, points = [], []
    for gy in range(points_per_side):
        for gx in range(points_per_side):
            x, y = (gx + 0.5) / points_per_side * 128, (gy + 0.5) / points_per_side * 96
            cx, cy = int(x / stride), int(y / stride)
            x0, y0, x1, y1 = cx - half, cy - half, cx + half, cy + half
            if clip:
                x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, 64), min(y1, 48)
            boxes.append([v * stride / scale for v in (x0, y0, x1, y1)])
            points.append([x / scale, y / scale])
    return torch.tensor(boxes), torch.tensor(points)


def sorted_rows(tensor):
    return sorted(tuple(round(v, 4) for v in row) for row in tensor.tolist())


def run_generator(model, monkeypatch, **options):
    monkeypatch.setattr(model, 'decode', rigged_decode(stride=2))
    _, sample = preprocessed_sample(model, H, W)
    assert sample.metainfo['img_shape'] == (96, 128)
    options.setdefault('points_per_side', 4)
    return GridPromptGenerator(**options)(model, torch.zeros(64, 16, 16), sample)


def test_filters_and_nms_keep_one_square_per_point(tiny_sam, monkeypatch):
    found = run_generator(tiny_sam, monkeypatch)  # IoU 0.88, stability 0.95, NMS 0.7
    boxes, points = expected_squares()
    assert len(found) == 16
    assert sorted_rows(found.prompt_boxes) == sorted_rows(boxes)
    # each prompt keeps its own grid point (original pixels), a single positive label
    assert found.prompt_points.shape == (16, 1, 2)
    assert (found.prompt_point_labels == 1).all() and found.prompt_point_labels.shape == (16, 1)
    for box, point in zip(found.prompt_boxes, found.prompt_points[:, 0]):
        index = int(((points - point).abs().sum(1)).argmin())
        torch.testing.assert_close(point, points[index])
        torch.testing.assert_close(box, boxes[index])


def test_nms_threshold_removes_duplicates(tiny_sam, monkeypatch):
    # the shifted square overlaps the square with IoU 56 / 72 = 0.78: NMS 0.7 drops it,
    # NMS 0.9 keeps both
    loose = run_generator(tiny_sam, monkeypatch, nms_thresh=0.9)
    assert len(loose) == 32
    shifted = expected_squares()[0] + torch.tensor([1.25, 0, 1.25, 0])
    assert sorted_rows(loose.prompt_boxes) == sorted(
        sorted_rows(expected_squares()[0]) + sorted_rows(shifted))
    assert len(run_generator(tiny_sam, monkeypatch, nms_thresh=0.7)) == 16


def test_iou_and_stability_thresholds(tiny_sam, monkeypatch):
    none = run_generator(tiny_sam, monkeypatch, pred_iou_thresh=1.1)
    assert len(none) == 0
    assert none.prompt_boxes.shape == (0, 4) and none.prompt_points.shape == (0, 1, 2)
    assert none.prompt_point_labels.shape == (0, 1)
    # above 0.9 only the squares (0.95) and the unstable soft masks (0.99) pass the IoU
    # filter; the stability filter removes the soft ones
    assert len(run_generator(tiny_sam, monkeypatch, pred_iou_thresh=0.96)) == 0
    assert len(run_generator(tiny_sam, monkeypatch, pred_iou_thresh=0.92)) == 16
    # without the stability filter the larger soft squares come in (IoU with the small
    # square 0.25, they survive NMS)
    unstable = run_generator(tiny_sam, monkeypatch, stability_score_thresh=0.0)
    assert len(unstable) == 32
    big = expected_squares(half=8, clip=True)[0]
    assert sorted_rows(unstable.prompt_boxes) == sorted(
        sorted_rows(expected_squares()[0]) + sorted_rows(big))
    # min_mask_area: the squares have 64 cells
    assert len(run_generator(tiny_sam, monkeypatch, min_mask_area=65)) == 0


def test_max_instances_keeps_the_best(tiny_sam, monkeypatch):
    assert len(run_generator(tiny_sam, monkeypatch, max_instances=5)) == 5
    best = run_generator(tiny_sam, monkeypatch, stability_score_thresh=0.0, max_instances=20)
    assert len(best) == 20
    sizes = (best.prompt_boxes[:, 2] - best.prompt_boxes[:, 0]).tolist()
    # all 16 soft masks (IoU 0.99) first, then 4 of the squares (IoU 0.95, 10 px wide)
    assert sum(abs(s - 10.0) < 1e-4 for s in sizes) == 4


def test_boxes_stay_inside_the_image(tiny_sam, monkeypatch):
    """Masks that reach the edge of the valid low-res grid: with an image whose resized
    side is not a multiple of the stride (63 -> 101 px, 51 low-res rows = 102 px) the box
    must still end at the image border in original pixels."""
    def full_valid(embedding, prompts, multimask_output=False):
        logits = torch.full((len(prompts['points']), 3, 64, 64), 10.0)
        return logits, torch.full((len(prompts['points']), 3), 0.99)

    monkeypatch.setattr(tiny_sam, 'decode', full_valid)
    for height, width in ((63, 80), (80, 63), (37, 101)):
        _, sample = preprocessed_sample(tiny_sam, height, width)
        generator = GridPromptGenerator(points_per_side=3)
        found = generator(tiny_sam, torch.zeros(64, 16, 16), sample)
        assert len(found) == 1  # identical masks collapse to one
        box = found.prompt_boxes[0]
        assert (box[:2] >= 0).all()
        assert box[2] <= width and box[3] <= height, (tuple(box.tolist()), height, width)
        assert box[2] > width - 1 and box[3] > height - 1  # the whole image


def test_real_tiny_model_prompts(checkpoint, monkeypatch):
    """The real decoder of a random tiny SAM: whatever survives obeys the filters."""
    model = build_tiny_wesam(checkpoint).segmentor.eval()
    rng = np.random.default_rng(0)
    image = torch.from_numpy(rng.integers(0, 255, (3, 50, 70), dtype=np.uint8))
    inputs, sample = preprocessed_sample(model, 50, 70, image)
    with torch.no_grad():
        embedding = model.extract_feat(inputs)[0]
    generator = GridPromptGenerator(points_per_side=4, pred_iou_thresh=-1e9,
                                    stability_score_thresh=0.0, nms_thresh=0.5,
                                    max_instances=6)
    found = generator(model, embedding, sample)
    assert 1 <= len(found) <= 6
    boxes = found.prompt_boxes
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 70).all() and (boxes[:, 3] <= 50).all()
    assert (boxes[:, 2:] > boxes[:, :2]).all()
    # pairwise box IoU of the survivors is at most the NMS threshold
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            lt = torch.max(boxes[i, :2], boxes[j, :2])
            rb = torch.min(boxes[i, 2:], boxes[j, 2:])
            inter = (rb - lt).clamp(min=0).prod()
            area = lambda b: (b[2:] - b[:2]).prod()  # noqa: E731
            assert inter / (area(boxes[i]) + area(boxes[j]) - inter) <= 0.5 + 1e-6
    # the points are grid points, in original pixels, inside the image
    grid = {(round((i + 0.5) / 4 * 70, 3), round((j + 0.5) / 4 * 50, 3))
            for i in range(4) for j in range(4)}
    for x, y in found.prompt_points[:, 0].tolist():
        assert (round(x, 3), round(y, 3)) in grid
    assert len(GridPromptGenerator(points_per_side=4, pred_iou_thresh=1.1)(
        model, embedding, sample)) == 0
