"""SAM's input transform: resize the longest side, normalise, pad to a square."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from PIL import Image

from mmwesam.registry import MODELS


def resize_longest_side_shape(height: int, width: int, long_side: int) -> Tuple[int, int]:
    """The (h, w) that segment_anything's ResizeLongestSide produces."""
    scale = long_side / max(height, width)
    return int(height * scale + 0.5), int(width * scale + 0.5)


@MODELS.register_module()
class SAMDataPreprocessor(BaseDataPreprocessor):
    """Turn packed uint8 images into SAM's encoder input.

    For each image: BGR->RGB (mmcv loads BGR), bilinear resize so that the longest side
    is ``image_size``, normalise with SAM's pixel mean/std, zero-pad bottom/right to a
    square.

    ``resize_backend='pil'`` (default) resizes uint8 images with PIL exactly as
    segment_anything's ``ResizeLongestSide`` does, so SAM sees the very pixels it was
    trained on; ``'torch'`` resizes on the model's device (antialiased bilinear, within
    one grey level of PIL), which avoids a CPU round trip on a GPU.

    Each data sample gets ``img_shape`` (the resized size), ``scale_factor`` (w, h
    ratios used for prompts), ``pad_shape`` and ``batch_input_shape``.

    Branch dicts (``{'weak': [...], 'strong': [...]}`` from mmdet's MultiBranch) are
    processed branch by branch.
    """

    def __init__(self, image_size: int = 1024,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 bgr_to_rgb: bool = True, resize_backend: str = 'pil',
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking)
        if resize_backend not in ('pil', 'torch'):
            raise ValueError(f"resize_backend must be 'pil' or 'torch', got {resize_backend!r}")
        self.resize_backend = resize_backend
        self.image_size = image_size
        self.bgr_to_rgb = bgr_to_rgb
        self.register_buffer('mean', torch.tensor(mean).view(-1, 1, 1), False)
        self.register_buffer('std', torch.tensor(std).view(-1, 1, 1), False)

    def transform_image(self, image: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """(3, H, W) uint8 -> normalised, padded (3, S, S) and the resized (h, w)."""
        if self.bgr_to_rgb:
            image = image[[2, 1, 0]]
        height, width = image.shape[-2:]
        new_h, new_w = resize_longest_side_shape(height, width, self.image_size)
        resize = (new_h, new_w) != (height, width)
        if resize and self.resize_backend == 'pil' and image.dtype == torch.uint8:
            pixels = Image.fromarray(image.permute(1, 2, 0).cpu().numpy())
            pixels = np.asarray(pixels.resize((new_w, new_h), Image.BILINEAR))
            image = torch.from_numpy(pixels.copy()).permute(2, 0, 1)
            resize = False
        image = image.to(self.mean.device).float()
        if resize:
            image = F.interpolate(image[None], (new_h, new_w), mode='bilinear',
                                  align_corners=False, antialias=True)[0]
            image = image.round().clamp(0, 255)
        image = (image - self.mean) / self.std
        image = F.pad(image, (0, self.image_size - new_w, 0, self.image_size - new_h))
        return image, (new_h, new_w)

    def _process(self, inputs: List[torch.Tensor], data_samples: Optional[list]
                 ) -> Dict[str, Union[torch.Tensor, list]]:
        images = []
        for index, image in enumerate(inputs):
            height, width = image.shape[-2:]
            image, (new_h, new_w) = self.transform_image(image)
            images.append(image)
            if data_samples is not None:
                data_samples[index].set_metainfo(dict(
                    img_shape=(new_h, new_w),
                    scale_factor=(new_w / width, new_h / height),
                    pad_shape=(self.image_size, self.image_size),
                    batch_input_shape=(self.image_size, self.image_size)))
        return dict(inputs=torch.stack(images), data_samples=data_samples)

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs, data_samples = data['inputs'], data.get('data_samples')
        if isinstance(inputs, dict):
            processed = {branch: self._process(inputs[branch], data_samples[branch])
                         for branch in inputs}
            return dict(inputs={b: p['inputs'] for b, p in processed.items()},
                        data_samples={b: p['data_samples'] for b, p in processed.items()})
        if isinstance(inputs, torch.Tensor) and inputs.dim() == 3:
            inputs = [inputs]
        return self._process(list(inputs), data_samples)
