"""PolygonBandLoss: the band around a coarse polygon is left out."""
import math

import torch

from mmwesam.models.losses import PolygonBandLoss
from mmwesam.models.losses.polygon_band_loss import dilate, erode


def _square():
    polygon = torch.zeros(1, 20, 20, dtype=torch.bool)
    polygon[0, 5:15, 5:15] = True  # 10 x 10
    return polygon


def test_erode_and_dilate_by_the_margin():
    assert erode(_square(), 2).sum().item() == 6 * 6
    assert dilate(_square(), 2).sum().item() == 14 * 14
    corner = torch.zeros(1, 6, 6, dtype=torch.bool)
    corner[0, :3, :3] = True  # touches the image border: only the inner side erodes
    assert erode(corner, 1).sum().item() == 2 * 2


def test_only_the_sure_pixels_count():
    polygon = _square()
    core, far = erode(polygon, 2), ~dilate(polygon, 2)  # 36 and 400 - 196 = 204 pixels
    logits = torch.where(polygon, 20.0, -20.0)
    band = polygon ^ core | (dilate(polygon, 2) & ~polygon)
    logits[band] = -logits[band]  # every band pixel wrong: ignored
    assert PolygonBandLoss()(logits, polygon).item() < 1e-6
    logits[core] = 0.0  # undecided in the core: 36 x log 2 over 240 sure pixels
    assert math.isclose(PolygonBandLoss()(logits, polygon).item(),
                        36 * math.log(2) / (36 + far.sum().item()), rel_tol=1e-5)
