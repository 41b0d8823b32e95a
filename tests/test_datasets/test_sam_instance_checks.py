"""Bad annotation files: an error naming the file and the annotation, or a counted and
logged skip of the instances that cannot be used (docs/robustness.md)."""
import copy
import json
import logging

import pytest
from mmengine.logging import MMLogger

from helpers import build_instance_dataset, write_coco_dataset


@pytest.fixture(scope='module')
def valid(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    paths = write_coco_dataset(root, num_images=2, height=64, width=80, max_instances=3,
                               seed=5, splits={'test': (0, 2)})
    return root, json.load(open(paths['test']))


def _write(root, name, data):
    path = f'{root}/annotations/instances_{name}.json'
    with open(path, 'w') as f:
        f.write(data if isinstance(data, str) else json.dumps(data))
    return path


def _edited(data, edit):
    data = copy.deepcopy(data)
    edit(data)
    return data


ERRORS = {
    'truncated': (lambda d: json.dumps(d)[:50], r'not valid JSON'),
    'no_images': (lambda d: _edited(d, lambda x: x.pop('images')), r'no "images" list'),
    'no_categories': (lambda d: _edited(d, lambda x: x.pop('categories')),
                      r'no "categories" list'),
    'no_annotations': (lambda d: _edited(d, lambda x: x.update(annotations=[])),
                       r'"annotations" is empty'),
    'unknown_image': (lambda d: _edited(d, lambda x: x['annotations'][0].update(image_id=99)),
                      r'annotation id \d+: image_id 99 is not in "images"'),
    'unknown_category': (
        lambda d: _edited(d, lambda x: x['annotations'][0].update(category_id=5)),
        r'annotation id \d+: category_id 5 is not in "categories"'),
    'nan_bbox': (lambda d: _edited(d, lambda x: x['annotations'][0].update(
        bbox=[1.0, 2.0, float('nan'), 4.0])), r'bbox must be 4 finite numbers'),
    'short_bbox': (lambda d: _edited(d, lambda x: x['annotations'][0].update(bbox=[1, 2, 3])),
                   r'bbox must be 4 finite numbers'),
    'rle_size': (lambda d: _edited(d, lambda x: x['annotations'][0]['segmentation'].update(
        size=[32, 40])), r'RLE needs "counts" and "size" = \[height, width\] of its image '
        r'images/0000.png \(\[64, 80\]\), got size \[32, 40\]'),
    'zero_height': (lambda d: _edited(d, lambda x: x['images'][0].update(height=0)),
                    r'height / width must be positive integers'),
    'not_an_object': (lambda d: '[1, 2]', r'is an object with "images"'),
}


@pytest.mark.parametrize('case', sorted(ERRORS))
def test_broken_json_is_an_error_naming_the_file(valid, case):
    root, data = valid
    make, message = ERRORS[case]
    path = _write(root, case, make(data))
    with pytest.raises(ValueError, match=message) as error:
        build_instance_dataset(root, case)
    assert path in str(error.value) or f'instances_{case}.json' in str(error.value)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _dropped(root, name, data, **kwargs):
    _write(root, name, data)
    logger = MMLogger.get_current_instance()
    records = _Records()
    logger.addHandler(records)
    try:
        dataset = build_instance_dataset(root, name, **kwargs)
    finally:
        logger.removeHandler(records)
    return dataset, [m for m in records.messages if 'dropped' in m]


def test_unusable_instances_are_counted_and_logged(valid):
    root, data = valid
    total = len(data['annotations'])

    def edit(d):
        anns = d['annotations']
        anns[0]['segmentation'] = []                            # KeyError 'mask' in mmdet
        anns[1]['segmentation'] = [[1.0, 1.0, 5.0, 5.0]]        # a 2-point polygon
        anns[2]['bbox'] = [200.0, 200.0, 5.0, 5.0]              # outside the image
    dataset, logged = _dropped(root, 'dropped', _edited(data, edit))
    assert dict(dataset.dropped_instances) == dict(no_segmentation=1, degenerate_polygon=1,
                                                   outside=1)
    assert dataset.total_instances == total
    kept = sum(len(dataset.get_data_info(i)['instances']) for i in range(len(dataset)))
    assert kept == total - 3
    assert len(logged) == 1
    assert logged[0].startswith(f'{dataset.ann_file}: dropped 3 of {total} instances: ')
    for reason in ('1 no segmentation (missing or empty)', '1 no polygon with 3 or more '
                   'points', '1 bbox outside the image size the json declares'):
        assert reason in logged[0]


def test_categories_the_config_leaves_out_are_counted(valid):
    root, data = valid

    def edit(d):
        d['categories'].append(dict(id=2, name='other'))
        d['annotations'][0]['category_id'] = 2
    dataset, logged = _dropped(root, 'subset', _edited(data, edit),
                               metainfo=dict(classes=('object', )))
    assert dict(dataset.dropped_instances) == dict(category=1)
    assert len(logged) == 1 and '1 category not among the classes' in logged[0]


def test_a_valid_json_drops_nothing_and_logs_nothing(valid):
    root, data = valid
    dataset, logged = _dropped(root, 'valid', data)
    assert not dataset.dropped_instances and not logged
    assert dataset.total_instances == len(data['annotations'])


def test_json_height_width_that_disagree_with_the_image(valid):
    """The worst silent case before: 64 x 80 images declared 32 x 40 kept a few instances
    and scored normally. Now the instances outside are counted and the image errs."""
    root, data = valid

    def edit(d):
        for image in d['images']:
            image.update(height=32, width=40)
        for ann in d['annotations']:
            ann.pop('segmentation')  # the RLE size check would stop it first
            ann['segmentation'] = [[0.0, 0.0, 10.0, 0.0, 10.0, 10.0]]
    dataset, logged = _dropped(root, 'small', _edited(data, edit))
    with pytest.raises(ValueError, match=r'images/0000.png is 64 x 80 px but its annotation '
                       r'file says height 32, width 40 \(image id 1\)'):
        dataset[0]
