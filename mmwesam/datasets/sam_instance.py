"""COCO-json instance dataset: every benchmark is converted to this one format."""
import contextlib
import io
import json
import math
from collections import Counter
from typing import Dict, List, Optional

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmengine.logging import print_log

from mmwesam.registry import DATASETS

# instances a dataset drops, by reason (each counted and logged at the end of loading)
DROP_REASONS = {
    'ignore': 'marked "ignore"',
    'outside': 'bbox outside the image size the json declares (height / width)',
    'degenerate_box': 'bbox under 1 px wide or high, or area <= 0',
    'category': 'category not among the classes the config keeps',
    'no_segmentation': 'no segmentation (missing or empty)',
    'degenerate_polygon': 'no polygon with 3 or more points',
}
MAX_LISTED = 10  # problems listed in one error message


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _lacks(record: dict, keys: tuple, name: str, problems: List[str]) -> bool:
    """Note the keys that ``record`` lacks; True if any."""
    missing = [key for key in keys if key not in record]
    if missing:
        problems.append(f'{name}: no {", ".join(missing)}')
    return bool(missing)


def check_coco_instances(dataset: dict, ann_file: str) -> None:
    """Raise one ``ValueError`` listing what makes ``dataset`` unusable as instance data.

    Checked: the top-level lists; each image's ``id``, ``file_name``, ``height``,
    ``width``; each annotation's ``id``, ``image_id`` (an image of the file),
    ``category_id`` (a category of the file), ``bbox`` (4 finite numbers) and an RLE
    ``segmentation``'s ``size`` (its image's height and width).
    """
    problems: List[str] = []
    if not isinstance(dataset, dict):
        raise ValueError(f'{ann_file}: a COCO json is an object with "images", '
                         f'"annotations" and "categories", not a {type(dataset).__name__}')
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(dataset.get(key), list):
            problems.append(f'no "{key}" list' if key not in dataset
                            else f'"{key}" is not a list')
    if problems:
        raise ValueError(f'{ann_file}: ' + '; '.join(problems))
    if not dataset['categories']:
        raise ValueError(f'{ann_file}: the json has no "categories"; a COCO instance file '
                         'needs at least one category')
    if not dataset['images']:
        raise ValueError(f'{ann_file}: "images" is empty')
    if not dataset['annotations']:
        raise ValueError(f'{ann_file}: "annotations" is empty: there is nothing to prompt '
                         'with or to score (did the converter find the masks?)')
    images: Dict[object, dict] = {}
    for index, image in enumerate(dataset['images']):
        name = f'images[{index}]'
        if _lacks(image, ('id', 'file_name', 'height', 'width'), name, problems):
            continue
        if not all(isinstance(image[k], int) and image[k] > 0 for k in ('height', 'width')):
            problems.append(f'{name} (id {image["id"]}, {image["file_name"]}): height / width '
                            f'must be positive integers, got {image["height"]} / '
                            f'{image["width"]}')
        images[image['id']] = image
    category_ids = {c.get('id') for c in dataset['categories']}
    for index, ann in enumerate(dataset['annotations']):
        name = f'annotation id {ann.get("id", f"[{index}]")}'
        if _lacks(ann, ('id', 'image_id', 'category_id', 'bbox'), name, problems):
            continue
        if ann['image_id'] not in images:
            problems.append(f'{name}: image_id {ann["image_id"]} is not in "images"')
            continue
        if ann['category_id'] not in category_ids:
            problems.append(f'{name}: category_id {ann["category_id"]} is not in '
                            '"categories"')
        bbox = ann['bbox']
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(map(_is_number, bbox))):
            problems.append(f'{name}: bbox must be 4 finite numbers [x, y, w, h], got {bbox}')
        segmentation = ann.get('segmentation')
        if isinstance(segmentation, dict):
            image = images[ann['image_id']]
            size = segmentation.get('size')
            if size != [image['height'], image['width']] or 'counts' not in segmentation:
                problems.append(f'{name}: an RLE needs "counts" and "size" = [height, '
                                f'width] of its image {image["file_name"]} '
                                f'([{image["height"]}, {image["width"]}]), got size {size}')
    if problems:
        more = f' (and {len(problems) - MAX_LISTED} more)' if len(problems) > MAX_LISTED \
            else ''
        raise ValueError(f'{ann_file}: {len(problems)} problem(s){more}:\n  '
                         + '\n  '.join(problems[:MAX_LISTED]))


class CheckedCOCO(COCO):
    """mmdet's COCO API that names the file when the json is broken or incomplete."""

    def __init__(self, annotation_file: Optional[str] = None) -> None:
        try:
            super().__init__(annotation_file)
        except json.JSONDecodeError as error:
            raise ValueError(f'{annotation_file}: not valid JSON ({error})') from None
        except AssertionError:  # pycocotools: the top level is not a dict
            raise ValueError(f'{annotation_file}: a COCO json is an object with "images", '
                             '"annotations" and "categories"') from None
        except (KeyError, TypeError) as error:  # indexing broke on a malformed entry
            check_coco_instances(getattr(self, 'dataset', None), annotation_file)
            raise ValueError(f'{annotation_file}: not a COCO instance json ({error!r})') \
                from None
        if annotation_file is not None:
            check_coco_instances(self.dataset, annotation_file)


@DATASETS.register_module()
class SAMInstanceDataset(CocoDataset):
    """Instances of a COCO-format json (polygons or RLE), class-agnostic for SAM.

    SAM segments whatever it is prompted with, so by default every category of the json
    is kept (``metainfo.classes`` need not be listed in the config). Give
    ``metainfo=dict(classes=(...))`` to keep only some categories.

    A broken json is an error naming the file and the annotation
    (:func:`check_coco_instances`); instances that cannot be used are dropped, counted by
    reason (:data:`DROP_REASONS`, in ``dropped_instances``) and logged once loading ends.
    An image whose size differs from the json's ``height`` / ``width`` is an error when
    ``LoadImageAnyDepth`` loads it (boxes, polygons and masks are in the json's frame).
    """

    METAINFO = dict(classes=(), palette=None)
    COCOAPI = CheckedCOCO

    def load_data_list(self) -> List[dict]:
        # pycocotools prints 'loading annotations into memory...' for every json it
        # reads; a run reads several, so the tools' output keeps only what they say
        self.dropped_instances: Counter = Counter()
        self.total_instances = 0
        with contextlib.redirect_stdout(io.StringIO()):
            data_list = self._load_data_list()
        self._log_dropped()
        return data_list

    def _load_data_list(self) -> List[dict]:
        if not self._metainfo.get('classes'):
            from mmengine.fileio import get_local_path
            with get_local_path(self.ann_file, backend_args=self.backend_args) as path:
                coco = self.COCOAPI(path)
            categories = sorted(coco.load_cats(coco.get_cat_ids()), key=lambda c: c['id'])
            if not categories:
                raise ValueError(f'{self.ann_file}: the json has no "categories"; a COCO '
                                 'instance file needs at least one category')
            self._metainfo['classes'] = tuple(c['name'] for c in categories)
        return super().load_data_list()

    def _drop_reason(self, ann: dict, image: dict) -> Optional[str]:
        if ann.get('ignore', False):
            return 'ignore'
        x1, y1, w, h = ann['bbox']
        inter_w = max(0, min(x1 + w, image['width']) - max(x1, 0))
        inter_h = max(0, min(y1 + h, image['height']) - max(y1, 0))
        if inter_w * inter_h == 0:
            return 'outside'
        if ann.get('area', w * h) <= 0 or w < 1 or h < 1:
            return 'degenerate_box'
        if ann['category_id'] not in self.cat_ids:
            return 'category'
        segmentation = ann.get('segmentation')
        if not segmentation:
            return 'no_segmentation'
        if isinstance(segmentation, list) and \
                not any(isinstance(p, list) and len(p) >= 6 for p in segmentation):
            return 'degenerate_polygon'
        return None

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """mmdet's parsing, with every dropped instance counted by its reason."""
        image = raw_data_info['raw_img_info']
        kept = []
        for ann in raw_data_info['raw_ann_info']:
            self.total_instances += 1
            reason = self._drop_reason(ann, image)
            if reason is None:  # mmdet reads 'area', which COCO files may leave out
                kept.append(dict(ann, area=ann.get('area', ann['bbox'][2] * ann['bbox'][3])))
            else:
                self.dropped_instances[reason] += 1
        return super().parse_data_info(dict(raw_data_info, raw_ann_info=kept))

    def _log_dropped(self) -> None:
        dropped = sum(self.dropped_instances.values())
        if not dropped:
            return
        reasons = ', '.join(f'{count} {DROP_REASONS[reason]}'
                            for reason, count in self.dropped_instances.most_common())
        print_log(f'{self.ann_file}: dropped {dropped} of {self.total_instances} instances: '
                  f'{reasons}', logger='current', level=30)  # WARNING
