"""COCO val2017: 6:1 interleaved by sorted image id, annotations passed through."""
from ._helpers import check_images_valid, load_split, make_coco, run_cli


def test_coco_cli(tmp_path):
    root = str(tmp_path / 'coco')
    coco = make_coco(root)
    proc = run_cli('coco', root)
    adapt, test = load_split(root, 'adapt'), load_split(root, 'test')
    assert [i['id'] for i in adapt['images']] == [3, 7, 30, 42]
    assert [i['id'] for i in test['images']] == [25]
    assert adapt['images'][0] == dict(id=3, file_name='val2017/000000000003.jpg',
                                      height=32, width=40, license=1)
    for split in (adapt, test):
        ids = {i['id'] for i in split['images']}
        # every annotation of a kept image, unchanged (crowd included)
        assert sorted(split['annotations'], key=lambda a: a['id']) == [
            a for a in coco['annotations'] if a['image_id'] in ids]
        assert split['categories'] == coco['categories']
        check_images_valid(root, split)
    assert len(adapt['annotations']) == 6
    assert any(a['iscrowd'] for a in adapt['annotations'])
    out = proc.stdout
    for reason in ('no non-crowd instance: 2', 'missing image: 1',
                   'image size differs from the json: 1'):
        assert reason in out, out
