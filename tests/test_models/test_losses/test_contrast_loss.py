"""InstanceContrastLoss: InfoNCE (temperature 0.3) of teacher vs anchor mask-pooled features."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmwesam.models.losses import InstanceContrastLoss
from mmwesam.models.losses.contrast_loss import mask_pooled_features
from mmwesam.registry import MODELS


def hand_pool(embedding: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of per-pixel L2-normalised features, then L2-normalised."""
    channels = embedding.shape[0]
    features = embedding.reshape(channels, -1)
    features = features / np.maximum(np.linalg.norm(features, axis=0, keepdims=True), 1e-12)
    pooled = []
    for w in weights.reshape(len(weights), -1):
        v = (features * w).sum(1) / max(w.sum(), 1e-6)
        pooled.append(v / max(np.linalg.norm(v), 1e-12))
    return np.stack(pooled)


def hand_info_nce(teacher: np.ndarray, anchor: np.ndarray, temperature: float) -> float:
    total = 0.0
    for i in range(len(teacher)):
        logits = [float(teacher[i] @ anchor[j]) / temperature for j in range(len(anchor))]
        total += -logits[i] + math.log(sum(math.exp(v) for v in logits))
    return total / len(teacher)


def _masks(shape, boxes, inside=4.0):
    """Mask logits: +inside in each (y0, y1, x0, x1) box, -inside elsewhere."""
    logits = torch.full((len(boxes), *shape), -inside)
    for i, (y0, y1, x0, x1) in enumerate(boxes):
        logits[i, y0:y1, x0:x1] = inside
    return logits


def _embeddings(seed=0, channels=6, size=4):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(channels, size, size, generator=gen),
            torch.randn(channels, size, size, generator=gen))


def test_single_instance_is_skipped():
    teacher, anchor = _embeddings()
    loss = InstanceContrastLoss()
    one = _masks((4, 4), [(0, 2, 0, 2)])
    assert loss(teacher, anchor, one, one) is None
    assert loss(teacher, anchor, one[:0], one[:0]) is None


@pytest.mark.parametrize('boxes', [
    [(0, 2, 0, 2), (1, 4, 2, 4)],
    [(0, 2, 0, 2), (1, 4, 2, 4), (2, 4, 0, 3)],
])
def test_matches_hand_info_nce(boxes):
    teacher, anchor = _embeddings(seed=len(boxes))
    teacher_masks = _masks((4, 4), boxes)
    # the anchor's masks differ a little (one cell more for the first instance)
    anchor_boxes = [(y0, y1, x0, x1 + (i == 0)) for i, (y0, y1, x0, x1) in enumerate(boxes)]
    anchor_masks = _masks((4, 4), anchor_boxes)
    loss = MODELS.build(dict(type='InstanceContrastLoss'))  # default temperature 0.3
    assert loss.temperature == 0.3
    value = loss(teacher, anchor, teacher_masks, anchor_masks)
    expected = hand_info_nce(
        hand_pool(teacher.numpy().astype(np.float64), (teacher_masks > 0).numpy()),
        hand_pool(anchor.numpy().astype(np.float64), (anchor_masks > 0).numpy()), 0.3)
    assert value.item() == pytest.approx(expected, rel=1e-5)
    # a different temperature gives a different value, also by hand
    scaled = InstanceContrastLoss(temperature=1.0, loss_weight=2.0)(
        teacher, anchor, teacher_masks, anchor_masks)
    expected_t1 = hand_info_nce(
        hand_pool(teacher.numpy().astype(np.float64), (teacher_masks > 0).numpy()),
        hand_pool(anchor.numpy().astype(np.float64), (anchor_masks > 0).numpy()), 1.0)
    assert scaled.item() == pytest.approx(2.0 * expected_t1, rel=1e-5)


def test_masks_at_higher_resolution_are_resized_to_the_grid():
    teacher, anchor = _embeddings(seed=7)
    low = [(0, 2, 0, 3), (2, 4, 1, 4)]
    coarse = _masks((4, 4), low)
    fine = coarse.repeat_interleave(2, dim=1).repeat_interleave(2, dim=2)  # 8 x 8 blocks
    loss = InstanceContrastLoss()
    expected = hand_info_nce(
        hand_pool(teacher.numpy().astype(np.float64), (coarse > 0).numpy()),
        hand_pool(anchor.numpy().astype(np.float64), (coarse > 0).numpy()), 0.3)
    assert loss(teacher, anchor, fine, fine).item() == pytest.approx(expected, rel=1e-5)


def test_gradient_reaches_teacher_embedding_only():
    teacher, anchor = (t.requires_grad_() for t in _embeddings(seed=3))
    masks = _masks((4, 4), [(0, 2, 0, 2), (2, 4, 2, 4)]).requires_grad_()
    InstanceContrastLoss()(teacher, anchor, masks, masks).backward()
    assert teacher.grad is not None and teacher.grad.abs().sum() > 0
    assert anchor.grad is None
    assert masks.grad is None


def test_tiny_and_empty_masks_give_finite_loss():
    teacher, anchor = _embeddings(seed=5)
    # 32 x 32 masks of a 4 x 4 grid: a single positive pixel vanishes on the grid
    tiny = torch.full((3, 32, 32), -3.0)
    tiny[0, 5, 5] = 3.0
    tiny[1, 20:30, 18:30] = 6.0      # a normal instance
    tiny[2] = -100.0                 # nothing at all
    probs = F.interpolate(tiny[:, None], (4, 4), mode='bilinear',
                          align_corners=False)[:, 0].sigmoid()
    assert (probs[0] <= 0.5).all() and (probs[1] > 0.5).any()
    pooled = mask_pooled_features(teacher, tiny)
    assert torch.isfinite(pooled).all()
    # the empty-on-the-grid mask falls back to its soft weights
    weights = probs.numpy().astype(np.float64)
    hard = (weights > 0.5).astype(np.float64)
    features = F.normalize(teacher, dim=0).flatten(1).numpy().astype(np.float64)
    soft = features @ weights[0].ravel() / weights[0].sum()
    np.testing.assert_allclose(pooled[0].numpy(), soft, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(pooled[1].numpy(), features @ hard[1].ravel() / hard[1].sum(),
                               rtol=1e-5, atol=1e-6)

    teacher.requires_grad_()
    loss = InstanceContrastLoss()(teacher, anchor, tiny, tiny)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(teacher.grad).all()
