"""OCID: seq*/rgb + label, table/floor labels removed, 6:1 over sorted relative paths."""
import os.path as osp

import numpy as np

from ._helpers import (H, W, by_file, check_images_valid, check_instances, image, load_split, rect,
                       run_cli, write_gray, write_rgb)

FLOOR, TABLE_TOP = rect(24, 0, 32, 40), rect(16, 0, 24, 40)
BOWL, MUG = rect(2, 2, 10, 10), rect(2, 20, 12, 30)


def label_map(dtype) -> np.ndarray:
    labels = np.zeros((H, W), dtype)
    labels[FLOOR], labels[TABLE_TOP], labels[BOWL], labels[MUG] = 1, 2, 3, 7
    return labels


def test_ocid_cli(tmp_path):
    root = str(tmp_path / 'OCID-dataset')
    seqs = ['ARID20/table/top/seq01', 'ARID20/floor/bottom/seq02', 'YCB10/table/top/seq03']
    names = []
    for s, seq in enumerate(seqs):
        for i in range(3):
            name = f'result_2018-08-2{s}_{i}.png'
            write_rgb(osp.join(root, seq, 'rgb', name), image(10 * s + i))
            # 16-bit labels in one sequence: read as they are
            labels = label_map(np.uint16 if s == 1 else np.uint8)
            if (s, i) == (2, 2):
                continue  # missing label
            write_gray(osp.join(root, seq, 'label', name), labels)
            names.append(f'{seq}/rgb/{name}')
    # not a sequence folder: ignored
    write_rgb(osp.join(root, 'ARID20', 'rgb', 'stray.png'), image(99))
    proc = run_cli('ocid', root)
    adapt, test = by_file(load_split(root, 'adapt')), by_file(load_split(root, 'test'))
    all_sorted = sorted(names + ['YCB10/table/top/seq03/rgb/result_2018-08-22_2.png'])
    assert sorted(test) == [all_sorted[6]]
    assert sorted(adapt) == [n for k, n in enumerate(all_sorted) if k not in (6, 8)]
    for files in (adapt, test):
        for name, anns in files.items():
            if '/table/' in name:  # 1 and 2 removed
                check_instances(anns, [BOWL, MUG], [1, 1])
            else:  # only 1 removed: 2 is an object there
                check_instances(anns, [TABLE_TOP, BOWL, MUG], [1, 1, 1])
    check_images_valid(root, load_split(root, 'adapt'))
    assert 'missing mask: 1' in proc.stdout
