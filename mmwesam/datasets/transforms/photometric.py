"""Photometric augmentation that mmdet/mmcv lack: a random cast shadow."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmwesam.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomShadow(BaseTransform):
    """Darken a random polygon of the image (geometry unchanged, so prompts stay valid).

    Args:
        prob: probability of applying it.
        darkness: range of the factor the shadowed pixels are multiplied by.
        num_vertices: range of the polygon's vertex count.
    """

    def __init__(self, prob: float = 0.5, darkness: tuple = (0.4, 0.8),
                 num_vertices: tuple = (3, 6)) -> None:
        self.prob = prob
        self.darkness = darkness
        self.num_vertices = num_vertices

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        image = results['img']
        height, width = image.shape[:2]
        count = np.random.randint(self.num_vertices[0], self.num_vertices[1] + 1)
        vertices = np.stack([np.random.randint(0, width, count),
                             np.random.randint(0, height, count)], axis=1)
        region = np.zeros((height, width), np.uint8)
        cv2.fillPoly(region, [cv2.convexHull(vertices.astype(np.int32))], 1)
        factor = np.random.uniform(*self.darkness)
        shaded = image.astype(np.float32)
        shaded[region > 0] *= factor
        results['img'] = shaded.clip(0, 255).astype(image.dtype)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob}, darkness={self.darkness})'
