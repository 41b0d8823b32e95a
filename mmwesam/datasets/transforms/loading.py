"""Loading: images of 8-bit, 16-bit and float pixels (medical and microscopy data), and
annotations whose masks take one byte per instance-pixel."""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets.transforms import LoadAnnotations
from mmdet.structures.mask import BitmapMasks
from mmengine import fileio

from mmwesam.registry import TRANSFORMS


def to_uint8(image: np.ndarray, filename: str = 'the image') -> np.ndarray:
    """An image of any bit depth as 8 bits, by a fixed rule.

    - uint8: unchanged.
    - uint16: scaled by the smallest bit depth (8 to 16) that holds its maximum, so
      12-bit data in a 16-bit PNG (max <= 4095) becomes ``value * 255 / 4095`` and full
      16-bit data ``value * 255 / 65535``. (OpenCV's 8-bit read keeps the top byte only:
      12-bit data comes out at most 15, near black.)
    - float: ``value * 255`` when the maximum is <= 1, else clipped to [0, 255].
    Anything else, or a float image with NaN / inf, is an error naming the file.
    """
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        bits = max(8, int(image.max()).bit_length())
        return np.round(image.astype(np.float32) * (255.0 / (2**bits - 1))).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        if not np.isfinite(image).all():
            raise ValueError(f'{filename}: a float image with NaN or inf pixels')
        scale = 255.0 if image.max() <= 1.0 else 1.0
        return np.clip(np.round(image * scale), 0, 255).astype(np.uint8)
    raise ValueError(f'{filename}: images of {image.dtype} pixels are not supported '
                     '(8-bit, 16-bit or float)')


def _as_bgr(image: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """Grey (H, W) or BGRA as 3-channel BGR; ``None`` stays ``None``."""
    if image is None:
        return None
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    return image[..., :3] if image.shape[2] >= 3 else np.repeat(image[..., :1], 3, axis=2)


@TRANSFORMS.register_module()
class LoadImageAnyDepth(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that reads the file's own bit depth.

    The image is decoded with OpenCV's ``IMREAD_ANYDEPTH | IMREAD_COLOR`` (3 channels,
    BGR, EXIF orientation applied, as the ``'color'`` mode does) and brought to 8 bits by
    :func:`to_uint8`; 8-bit files give exactly what ``LoadImageFromFile`` gives. A file
    that is not an image is an error naming it, and so is an image whose size differs
    from the ``height`` / ``width`` its data info carries (the json's).
    """

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            data = fileio.get(filename, backend_args=self.backend_args)
        except Exception:
            if self.ignore_empty:
                return None
            raise
        buffer = np.frombuffer(data, np.uint8)
        image = cv2.imdecode(buffer, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
        if image is None:  # OpenCV converts no float TIFF to colour: read it as it is
            image = _as_bgr(cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED))
        if image is None:
            if self.ignore_empty:
                return None
            raise ValueError(f'{filename}: not a readable image ({len(data)} bytes)')
        image = to_uint8(image, filename)
        declared = (results.get('height'), results.get('width'))
        if None not in declared and tuple(image.shape[:2]) != declared:
            raise ValueError(
                f'{filename} is {image.shape[0]} x {image.shape[1]} px but its annotation '
                f'file says height {declared[0]}, width {declared[1]} (image id '
                f'{results.get("img_id")}); boxes and masks are in the annotation\'s frame: '
                'fix the json (or the image)')
        if self.to_float32:
            image = image.astype(np.float32)
        results['img'] = image
        results['img_shape'] = image.shape[:2]
        results['ori_shape'] = image.shape[:2]
        return results


def wrap_bitmap_masks(masks: np.ndarray) -> BitmapMasks:
    """``BitmapMasks`` around an (N, H, W) uint8 array, without a copy.

    mmdet's constructor ``np.stack``-copies its input: with hundreds of instances on a
    large image each copy is another byte per instance-pixel.
    """
    if masks.ndim != 3:
        raise ValueError(f'expected (N, H, W) masks, got shape {masks.shape}')
    wrapped = BitmapMasks(np.empty((0, *masks.shape[1:]), dtype=np.uint8), *masks.shape[1:])
    wrapped.masks = masks
    return wrapped


@TRANSFORMS.register_module()
class LoadSAMAnnotations(LoadAnnotations):
    """mmdet's ``LoadAnnotations`` whose masks cost one byte per instance-pixel.

    mmdet decodes every instance into its own array and then stacks them (two bytes per
    instance-pixel at the peak); here each polygon / RLE is decoded into its slice of
    one preallocated (N, H, W) uint8 array. The masks are identical. With 300 instances on
    a 3000 x 2000 image that is 1.8 GB instead of 3.6 GB.
    """

    def _load_masks(self, results: dict) -> None:
        if not self.poly2mask:
            return super()._load_masks(results)
        height, width = results['ori_shape']
        raw = self._process_masks(results)
        masks = np.empty((len(raw), height, width), dtype=np.uint8)
        for index, mask in enumerate(raw):
            masks[index] = self._poly2mask(mask, height, width)
        results['gt_masks'] = wrap_bitmap_masks(masks)
