"""Peak memory of evaluating one large image with many instances, per instance-pixel.

    python tools/analysis_tools/many_instances_memory.py                  # 300 on 3000 x 2000
    python tools/analysis_tools/many_instances_memory.py --instances 100 4 \\
        --height 1000 --width 1500

For each instance count it writes a one-image COCO dataset (ellipses on a grid, RLE
masks) and runs ``tools/test.py`` on it with the tiny source SAM (box prompts) in a
process of its own, and reports that process's peak RSS. The cost per instance-pixel is
the difference between the largest and the smallest count, divided by the difference in
instance-pixels, so the process's fixed cost (imports, model) cancels out.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
from typing import Dict, List

import cv2
import numpy as np
from pycocotools import mask as mask_utils

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/sam/direct_tiny-p4_box_coco.py'
CHECKPOINT = 'checkpoints/sam_tiny_synthetic_source_p4.pth'


def write_many_instances(root: str, height: int, width: int, num: int) -> str:
    """One ``height`` x ``width`` image with ``num`` ellipses on a grid, as the test split."""
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    rng = np.random.default_rng(0)
    image = (rng.random((height, width, 3)) * 60 + 60).astype(np.uint8)
    cols = int(np.ceil(np.sqrt(num * width / height)))
    rows = int(np.ceil(num / cols))
    cell_h, cell_w = height // rows, width // cols
    annotations = []
    for index in range(num):
        row, col = divmod(index, cols)
        mask = np.zeros((height, width), np.uint8)
        cv2.ellipse(mask, (col * cell_w + cell_w // 2, row * cell_h + cell_h // 2),
                    (max(1, cell_w // 3), max(1, cell_h // 3)), 0, 0, 360, 1, -1)
        image[mask.astype(bool)] = (200, 180, 160)
        rle = mask_utils.encode(np.asfortranarray(mask))
        rle['counts'] = rle['counts'].decode()
        annotations.append(dict(id=index + 1, image_id=1, category_id=1, segmentation=rle,
                                area=int(mask.sum()), iscrowd=0,
                                bbox=[float(v) for v in mask_utils.toBbox(rle)]))
    cv2.imwrite(osp.join(root, 'images', 'large.png'), image)
    path = osp.join(root, 'annotations', 'instances_test.json')
    with open(path, 'w') as f:
        json.dump(dict(images=[dict(id=1, file_name='images/large.png', height=height,
                                    width=width)],
                       annotations=annotations, categories=[dict(id=1, name='object')]), f)
    return path


_CHILD = '''import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path("tools/test.py", run_name="__main__")
finally:
    print("PEAK_RSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
'''


def measure(height: int, width: int, counts: List[int], workdir: str) -> Dict:
    """Peak RSS of ``tools/test.py`` for each instance count, and the cost per
    instance-pixel between the largest and the smallest count."""
    rows = []
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    for num in counts:
        root = osp.join(workdir, f'n{num}')
        write_many_instances(root, height, width, num)
        done = subprocess.run(
            [sys.executable, '-c', _CHILD, 'tools/test.py', CONFIG, CHECKPOINT,
             '--work-dir', osp.join(root, 'work'), '--cfg-options',
             f'test_dataloader.dataset.data_root={root}/'],
            cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f'tools/test.py failed for {num} instances:\n'
                               + (done.stdout + done.stderr)[-3000:])
        peak = int(done.stdout.rsplit('PEAK_RSS_KB', 1)[1].split()[0]) * 1024
        with open(osp.join(root, 'work', 'test_metrics.json')) as f:
            metrics = json.load(f)['metrics']
        rows.append(dict(instances=num, peak_rss_bytes=peak, mIoU=metrics['mIoU'],
                         scored_instances=metrics['num_instances']))
    low, high = min(rows, key=lambda r: r['instances']), max(rows, key=lambda r: r['instances'])
    pixels = (high['instances'] - low['instances']) * height * width
    per_pixel = (high['peak_rss_bytes'] - low['peak_rss_bytes']) / pixels if pixels else None
    return dict(height=height, width=width, rows=rows, bytes_per_instance_pixel=per_pixel)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--height', type=int, default=2000)
    parser.add_argument('--width', type=int, default=3000)
    parser.add_argument('--instances', type=int, nargs='+', default=[300, 20])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        result = measure(args.height, args.width, args.instances, workdir)
    print(f'{args.width} x {args.height} px, tools/test.py {CONFIG}')
    print('| instances | peak RSS (MiB) | mIoU |')
    print('|---|---|---|')
    for row in result['rows']:
        print(f'| {row["instances"]} | {row["peak_rss_bytes"] / 2**20:,.0f} | '
              f'{row["mIoU"]:.2f} |')
    print(f'bytes per instance-pixel: {result["bytes_per_instance_pixel"]:.2f}')


if __name__ == '__main__':
    main()
