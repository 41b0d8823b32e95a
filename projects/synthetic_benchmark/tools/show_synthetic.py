"""Save a PNG grid of a few images per synthetic domain with their mask outlines.

Each cell shows the image as is and, to its right, the same image with every
instance's visible-mask outline drawn, so one can judge how hard a shift is.

    python projects/synthetic_benchmark/tools/show_synthetic.py \
        data/synthetic --out synthetic_grid.png
"""
import argparse
import json
import os
import os.path as osp
from typing import List

import cv2
import numpy as np
from pycocotools import mask as mask_utils

# distinct, saturated outline colours (BGR)
_PALETTE = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255), (255, 0, 255),
            (255, 255, 0), (0, 128, 255), (255, 128, 0), (128, 0, 255), (0, 255, 128)]


def domain_row(root: str, split: str, num: int, scale: int, raw: bool) -> np.ndarray:
    """One row: ``num`` images of one domain (raw + outlined pairs), upscaled."""
    with open(osp.join(root, 'annotations', f'instances_{split}.json')) as f:
        coco = json.load(f)
    by_image = {}
    for ann in coco['annotations']:
        by_image.setdefault(ann['image_id'], []).append(ann)
    cells: List[np.ndarray] = []
    for info in coco['images'][:num]:
        img = cv2.imread(osp.join(root, info['file_name']), cv2.IMREAD_COLOR)
        big = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        outlined = big.copy()
        for k, ann in enumerate(by_image.get(info['id'], [])):
            m = mask_utils.decode(ann['segmentation'])
            m = cv2.resize(m, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
            contours, _ = cv2.findContours(m, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
            # dark halo under the colour so outlines show on any background colour
            cv2.drawContours(outlined, contours, -1, (0, 0, 0), 3)
            cv2.drawContours(outlined, contours, -1, _PALETTE[k % len(_PALETTE)], 1)
        pad = np.full((big.shape[0], 4, 3), 255, np.uint8)
        cells += ([big, outlined] if raw else [outlined]) + [pad, pad]
    return np.concatenate(cells, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='benchmark root (holds one folder per domain)')
    parser.add_argument('--domains', nargs='*', help='default: every folder under root')
    parser.add_argument('--split', default='test')
    parser.add_argument('--num', type=int, default=4, help='images per domain')
    parser.add_argument('--scale', type=int, default=2)
    parser.add_argument('--no-raw', action='store_true', help='outlined images only')
    parser.add_argument('--out', default='synthetic_grid.png')
    args = parser.parse_args()

    domains = args.domains or sorted(
        d for d in os.listdir(args.root)
        if osp.isfile(osp.join(args.root, d, 'annotations', f'instances_{args.split}.json')))
    rows = []
    for d in domains:
        row = domain_row(osp.join(args.root, d), args.split, args.num, args.scale,
                         not args.no_raw)
        label = np.full((row.shape[0], 120, 3), 255, np.uint8)
        cv2.putText(label, d, (4, row.shape[0] // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.concatenate([label, row], axis=1))
        rows.append(np.full((6, rows[-1].shape[1], 3), 255, np.uint8))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255)
            for r in rows]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, np.concatenate(rows, axis=0))
    print(f'saved {args.out}')


if __name__ == '__main__':
    main()
