"""SAMInstanceDataset: every category of a COCO json, crowd instances dropped later."""
import json

import numpy as np
import pytest
import torch

from helpers import build_instance_dataset, write_coco_dataset


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    paths = write_coco_dataset(root, num_images=3, height=60, width=90, max_instances=3,
                               seed=5, splits={'test': (0, 3)})
    data = json.load(open(paths['test']))
    # a second category, and one crowd annotation on image 1
    data['categories'].append(dict(id=7, name='thing'))
    first = [a for a in data['annotations'] if a['image_id'] == 1]
    first[1]['category_id'] = 7
    first[2]['iscrowd'] = 1
    with open(f'{root}/annotations/instances_two.json', 'w') as f:
        json.dump(data, f)
    data['categories'] = []
    with open(f'{root}/annotations/instances_nocat.json', 'w') as f:
        json.dump(data, f)
    return root


def test_all_categories_kept_without_listing_them(root):
    dataset = build_instance_dataset(root, 'two')
    assert dataset.metainfo['classes'] == ('object', 'thing')
    assert len(dataset) == 3
    info = dataset.get_data_info(0)
    assert [i['bbox_label'] for i in info['instances']] == [0, 1, 0]
    assert [i['ignore_flag'] for i in info['instances']] == [0, 0, 1]
    item = dataset[0]
    sample = item['data_samples']
    assert item['inputs'].shape == (3, 60, 90) and item['inputs'].dtype == torch.uint8
    # the crowd instance is dropped (and counted), the others keep their prompts
    assert sample.num_dropped_instances == 1
    assert len(sample.gt_instances) == 2
    assert sample.gt_instances.labels.tolist() == [0, 1]
    assert sample.gt_instances.prompt_boxes.shape == (2, 4)
    masks = sample.gt_instances.masks.to_ndarray().astype(bool)
    for mask, box in zip(masks, sample.gt_instances.prompt_boxes.numpy()):
        ys, xs = np.nonzero(mask)
        np.testing.assert_array_equal(box, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    # GT masks from the json's RLE: the json's areas
    data = json.load(open(f'{root}/annotations/instances_two.json'))
    areas = [a['area'] for a in data['annotations'] if a['image_id'] == 1][:2]
    assert masks.reshape(2, -1).sum(1).tolist() == areas


def test_classes_subset(root):
    dataset = build_instance_dataset(root, 'two', metainfo=dict(classes=('thing', )))
    assert dataset.metainfo['classes'] == ('thing', )
    instances = dataset.get_data_info(0)['instances']
    assert len(instances) == 1 and instances[0]['bbox_label'] == 0


def test_seeded_test_prompts_repeat_across_datasets(root):
    first = build_instance_dataset(root, 'test')[1]['data_samples'].gt_instances
    second = build_instance_dataset(root, 'test')[1]['data_samples'].gt_instances
    assert torch.equal(first.prompt_points, second.prompt_points)


def test_json_without_categories_is_an_error(root):
    with pytest.raises(ValueError, match='has no "categories"'):
        build_instance_dataset(root, 'nocat')
