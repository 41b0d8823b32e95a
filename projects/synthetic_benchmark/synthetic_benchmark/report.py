"""What the benchmark shows: Markdown tables, bar charts, mask overlays."""
import contextlib
import io
import os.path as osp
from typing import Dict, Sequence

import numpy as np

from .methods import kept_domains


def draw_overlays(models: Dict[str, object], data_root: str, out_file: str,
                  num_images: int = 3) -> None:
    """GT outline (green) and predicted masks (red) per model, side by side."""
    import cv2
    from pycocotools.coco import COCO

    from mmwesam.apis import inference_sam
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools' loading chatter
        coco = COCO(osp.join(data_root, 'annotations', 'instances_test.json'))
    rows = []
    for image_id in sorted(coco.getImgIds())[:num_images]:
        info = coco.loadImgs(image_id)[0]
        image = cv2.imread(osp.join(data_root, info['file_name']))[..., ::-1].copy()
        anns = coco.loadAnns(coco.getAnnIds(imgIds=image_id, iscrowd=False))
        gt = np.stack([coco.annToMask(a) for a in anns]).astype(bool)
        boxes = [[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                  a['bbox'][1] + a['bbox'][3]] for a in anns]
        tiles = [image]
        for name, model in models.items():
            pred = inference_sam(model, image, boxes=boxes).masks
            tile = image.astype(np.float32)
            tile[pred.any(0)] = 0.5 * tile[pred.any(0)] + 0.5 * np.array([255, 0, 0])
            tile = tile.astype(np.uint8)
            for mask in gt:
                contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                               cv2.CHAIN_APPROX_NONE)
                cv2.drawContours(tile, contours, -1, (0, 255, 0), 1)
            cv2.putText(tile, name, (2, 10), cv2.FONT_HERSHEY_SIMPLEX, 0.3,
                        (255, 255, 255), 1)
            tiles.append(tile)
        rows.append(np.concatenate(tiles, axis=1))
    grid = np.concatenate(rows, axis=0)
    grid = cv2.resize(grid, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(out_file, grid[..., ::-1])


def bar_chart(results: Dict[str, Dict[str, float]], methods: Sequence[str],
              out_file: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    domains = list(results)
    x = np.arange(len(domains))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(1.4 * len(domains) + 2, 3.5))
    for k, method in enumerate(methods):
        ax.bar(x + k * width, [results[d][method] for d in domains], width, label=method)
    ax.set_xticks(x + width * (len(methods) - 1) / 2)
    ax.set_xticklabels(domains, rotation=20)
    ax.set_ylabel('mIoU (%)')
    ax.set_ylim(0, 100)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def format_table(results: Dict[str, Dict[str, float]], methods: Sequence[str],
                 kept: Sequence[str] = None) -> str:
    """A Markdown table, one row per domain plus the mean."""
    kept = kept_domains() if kept is None else kept
    lines = ['| domain | ' + ' | '.join(methods) + ' |',
             '|---|' + '---|' * len(methods)]
    for domain, row in results.items():
        name = domain + ('' if domain in kept else ' (not kept)')
        lines.append(f'| {name} | ' + ' | '.join(f'{row[m]:.2f}' for m in methods) + ' |')
    means = {m: float(np.mean([row[m] for row in results.values()])) for m in methods}
    lines.append('| **mean** | ' + ' | '.join(f'**{means[m]:.2f}**' for m in methods) + ' |')
    return '\n'.join(lines)
