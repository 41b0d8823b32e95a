"""A converted json loads through SAMInstanceDataset + mmdet's loading transforms."""
import os.path as osp

import numpy as np
from pycocotools import mask as mask_utils

from mmwesam.datasets.converters.coco import convert_coco
from mmwesam.datasets.converters.osd import convert_osd
from ._helpers import H, W, image, load_split, make_coco, rect, write_gray, write_rgb


def dataset_class():
    """SAMInstanceDataset; mmdet's CocoDataset (its base) if the package is half-written."""
    try:
        from mmwesam.datasets.sam_instance import SAMInstanceDataset
        return SAMInstanceDataset
    except Exception:  # pragma: no cover - only while mmwesam.datasets is being written
        from mmdet.datasets import CocoDataset
        return CocoDataset


def load_all(data_root: str, split: str):
    from mmcv.transforms import LoadImageFromFile
    from mmdet.datasets.transforms import LoadAnnotations
    cls = dataset_class()
    kwargs = {}
    if cls.__name__ == 'CocoDataset':
        names = [c['name'] for c in load_split(data_root, split)['categories']]
        kwargs['metainfo'] = dict(classes=tuple(names))
    dataset = cls(data_root=data_root, ann_file=f'annotations/instances_{split}.json',
                  data_prefix=dict(img=''), test_mode=True,
                  pipeline=[LoadImageFromFile(),
                            LoadAnnotations(with_bbox=True, with_mask=True)], **kwargs)
    return [dataset[i] for i in range(len(dataset))]


def test_rle_json_loads(tmp_path):
    root = str(tmp_path / 'osd')
    objects = [rect(0, 0, 8, 8), rect(10, 10, 30, 20)]
    for i in range(7):
        write_rgb(osp.join(root, 'image_color', f'{i}.png'), image(i))
        labels = np.zeros((H, W), np.uint8)
        labels[objects[0]], labels[objects[1]] = 1, 2
        write_gray(osp.join(root, 'annotation', f'{i}.png'), labels)
    convert_osd(root)
    items = load_all(root, 'adapt')
    assert len(items) == 6
    for item in items:
        assert item['img'].shape == (H, W, 3)
        masks = item['gt_masks'].to_ndarray().astype(bool)
        assert masks.shape == (2, H, W)
        assert all((m == o).all() for m, o in zip(masks, objects))
        np.testing.assert_allclose(item['gt_bboxes'].numpy(),
                                   [[0, 0, 8, 8], [10, 10, 20, 30]])


def test_coco_polygons_load(tmp_path):
    root = str(tmp_path / 'coco')
    make_coco(root)
    convert_coco(root)
    items = load_all(root, 'adapt')
    assert [osp.basename(i['img_path']) for i in items] == [
        f'{i:012d}.jpg' for i in (3, 7, 30, 42)]
    coco = load_split(root, 'adapt')
    first = [a for a in coco['annotations'] if a['image_id'] == 3][0]
    rle = mask_utils.merge(mask_utils.frPyObjects(first['segmentation'], H, W))
    assert (items[0]['gt_masks'].to_ndarray()[0] == mask_utils.decode(rle)).all()
    # the crowd region of image 7 is an ignored instance, as in mmdet
    assert items[1]['gt_ignore_flags'].tolist() == [False, True]
