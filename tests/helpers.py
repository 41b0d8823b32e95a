"""Builders used by several tests (real computations on small inputs)."""
import json
import os
import os.path as osp
from contextlib import contextmanager
from functools import partial
from typing import Dict, List, Tuple

import cv2
import numpy as np
import torch
from PIL import Image
from pycocotools import mask as mask_utils

from mmwesam.utils.sam_import import import_sam_modeling

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_CONFIG = osp.join(REPO, 'configs', '_base_', 'models', 'sam_tiny.py')

TINY_ENCODER = dict(img_size=128, patch_size=8, embed_dim=128, depth=6, num_heads=4,
                    out_chans=64, window_size=8, global_attn_indexes=(2, 5))
TINY_HEAD = dict(embed_dim=64, image_embedding_size=16, input_image_size=128,
                 mlp_dim=256, num_heads=4, iou_hidden=64)
VIT_B_ENCODER = dict(img_size=1024, patch_size=16, embed_dim=768, depth=12, num_heads=12,
                     out_chans=256, window_size=14, global_attn_indexes=(2, 5, 8, 11))
VIT_B_HEAD = dict(embed_dim=256, image_embedding_size=64, input_image_size=1024,
                  mlp_dim=2048, num_heads=8, iou_hidden=256)


def build_official_sam(encoder: dict, head: dict, seed: int = 0):
    """segment_anything's own ``Sam`` with random weights (as build_sam.py builds it)."""
    sam = import_sam_modeling()
    torch.manual_seed(seed)
    image_encoder = sam.ImageEncoderViT(
        depth=encoder['depth'], embed_dim=encoder['embed_dim'], img_size=encoder['img_size'],
        mlp_ratio=4, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
        num_heads=encoder['num_heads'], patch_size=encoder['patch_size'], qkv_bias=True,
        use_rel_pos=True, global_attn_indexes=encoder['global_attn_indexes'],
        window_size=encoder['window_size'], out_chans=encoder['out_chans'])
    size = head['image_embedding_size']
    model = sam.Sam(
        image_encoder=image_encoder,
        prompt_encoder=sam.PromptEncoder(
            embed_dim=head['embed_dim'], image_embedding_size=(size, size),
            input_image_size=(head['input_image_size'],) * 2, mask_in_chans=16),
        mask_decoder=sam.MaskDecoder(
            num_multimask_outputs=3,
            transformer=sam.TwoWayTransformer(depth=2, embedding_dim=head['embed_dim'],
                                              mlp_dim=head['mlp_dim'],
                                              num_heads=head['num_heads']),
            transformer_dim=head['embed_dim'], iou_head_depth=3,
            iou_head_hidden_dim=head['iou_hidden']),
        pixel_mean=[123.675, 116.28, 103.53], pixel_std=[58.395, 57.12, 57.375])
    # Random LayerNorm / bias values make the comparison cover every parameter.
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() == 1:
                param.add_(torch.randn_like(param) * 0.02)
    return model.eval()


def sam_resize(image: np.ndarray, long_side: int) -> np.ndarray:
    """segment_anything's ResizeLongestSide.apply_image (PIL bilinear), torchvision-free."""
    height, width = image.shape[:2]
    scale = long_side / max(height, width)
    new_h, new_w = int(height * scale + 0.5), int(width * scale + 0.5)
    return np.array(Image.fromarray(image).resize((new_w, new_h), Image.BILINEAR))


def smooth_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth random RGB image (white noise would make masks pure noise)."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, (max(2, height // 16), max(2, width // 16), 3))
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).clip(
        0, 255).astype(np.uint8)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def draw_scene(rng: np.random.Generator, height: int, width: int, num: int
               ) -> Tuple[np.ndarray, List[np.ndarray]]:
    """An image with ``num`` filled shapes and their visible (non-overlapping) masks."""
    image = np.full((height, width, 3), rng.integers(0, 80, 3), dtype=np.uint8)
    label = np.zeros((height, width), np.int32)
    for index in range(1, num + 1):
        colour = tuple(int(c) for c in rng.integers(120, 256, 3))
        canvas = np.zeros((height, width), np.uint8)
        cx, cy = int(rng.integers(width // 5, 4 * width // 5)), int(
            rng.integers(height // 5, 4 * height // 5))
        rx, ry = int(rng.integers(4, width // 4)), int(rng.integers(4, height // 4))
        if index % 2:
            cv2.ellipse(canvas, (cx, cy), (rx, ry), 0, 0, 360, 1, -1)
        else:
            cv2.rectangle(canvas, (cx - rx, cy - ry), (cx + rx, cy + ry), 1, -1)
        image[canvas > 0] = colour
        label[canvas > 0] = index
    masks = [(label == i) for i in range(1, num + 1) if (label == i).sum() >= 20]
    return image, masks


def write_coco_dataset(root: str, num_images: int = 6, height: int = 64, width: int = 80,
                       max_instances: int = 3, seed: int = 0,
                       splits: Dict[str, Tuple[int, int]] = None) -> Dict[str, str]:
    """A small COCO-json instance dataset in the project's layout; returns ann paths."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    splits = splits or {'adapt': (0, num_images - 2), 'test': (num_images - 2, num_images)}
    records = []
    for index in range(num_images):
        image, masks = draw_scene(rng, height, width, int(rng.integers(1, max_instances + 1)))
        file_name = f'images/{index:04d}.png'
        cv2.imwrite(osp.join(root, file_name), image[..., ::-1])
        records.append((index + 1, file_name, masks))
    paths = {}
    for split, (start, end) in splits.items():
        images, annotations = [], []
        for image_id, file_name, masks in records[start:end]:
            images.append(dict(id=image_id, file_name=file_name, height=height, width=width))
            for mask in masks:
                rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
                rle['counts'] = rle['counts'].decode()
                annotations.append(dict(
                    id=len(annotations) + 1 + 1000 * image_id, image_id=image_id,
                    category_id=1, segmentation=rle, area=int(mask.sum()),
                    bbox=[float(v) for v in mask_utils.toBbox(rle)], iscrowd=0))
        path = osp.join(root, 'annotations', f'instances_{split}.json')
        with open(path, 'w') as f:
            json.dump(dict(images=images, annotations=annotations,
                           categories=[dict(id=1, name='object')]), f)
        paths[split] = path
    return paths


def official_state_dict(model) -> Dict[str, torch.Tensor]:
    return {k: v for k, v in model.state_dict().items()}


# ------------------------------------------------------------------------------------
# Tiny-SAM versions of the project's configs (WeSAM, baselines, config-family runs)
SYNTHETIC_WESAM_CONFIG = osp.join(REPO, 'tests', 'data', 'configs', 'wesam_tiny.py')


def write_tiny_checkpoint(path, seed: int = 0) -> str:
    """A random tiny SAM in the official layout (``image_encoder.*`` ...) saved at ``path``."""
    torch.save(build_official_sam(TINY_ENCODER, TINY_HEAD, seed=seed).state_dict(), str(path))
    return str(path)


def tiny_sam_settings() -> dict:
    """What ``configs/_base_/models/sam_tiny.py`` sets on top of the ViT-B model, as a
    merge dict (sizes only: LoRA, ``trainable`` and prompt settings of the config that
    receives it are kept)."""
    from mmengine.config import Config
    tiny = Config.fromfile(TINY_CONFIG).model.to_dict()
    backbone = {k: v for k, v in tiny['backbone'].items()
                if k not in ('type', 'arch', 'lora')}
    backbone['arch'] = dict(_delete_=True, **tiny['backbone']['arch'])
    head = {k: v for k, v in tiny['head'].items() if k != 'type'}
    return dict(data_preprocessor=dict(image_size=tiny['data_preprocessor']['image_size']),
                backbone=backbone, head=head)


def use_tiny_sam(cfg, checkpoint: str):
    """Swap the SAM of ``cfg`` (``model.segmentor``, or ``model`` itself for a
    PromptableSAM) for the tiny one, initialised from ``checkpoint``."""
    settings = tiny_sam_settings()
    settings['init_cfg'] = dict(_delete_=True, type='Pretrained', checkpoint=str(checkpoint))
    if 'segmentor' in cfg.model:
        cfg.merge_from_dict(dict(model=dict(segmentor=settings)))
    else:
        cfg.merge_from_dict(dict(model=settings))
    return cfg


def use_tiny_data(cfg, data_root: str, batch_size: int = 2):
    """Point every dataloader of ``cfg`` at a :func:`write_coco_dataset` root
    (``adapt`` for training, ``test`` for val/test), in-process loading."""
    splits = dict(train_dataloader='adapt', val_dataloader='test', test_dataloader='test')
    for name, split in splits.items():
        loader = cfg.get(name)
        if loader is None:
            continue
        loader.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = osp.join(str(data_root), '')
        loader.dataset.ann_file = f'annotations/instances_{split}.json'
    return cfg


def tiny_runner_config(config: str, checkpoint: str, data_root: str, work_dir: str,
                       max_iters: int = 2, batch_size: int = 2):
    """``config`` with the tiny SAM and data: ``max_iters`` iterations, val at the end."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    use_tiny_sam(cfg, checkpoint)
    use_tiny_data(cfg, data_root, batch_size)
    cfg.train_cfg.update(max_iters=max_iters, val_interval=max_iters)
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    return cfg


def build_tiny_wesam(checkpoint: str, segmentor: dict = None, **model_options):
    """A ``SelfTrainingTeacher`` from ``tests/data/configs/wesam_tiny.py``
    initialised from ``checkpoint`` (``segmentor``/``model_options`` are merged in)."""
    from mmengine.config import Config

    from mmwesam.registry import MODELS
    cfg = Config.fromfile(SYNTHETIC_WESAM_CONFIG)
    options = dict(model_options)
    options['segmentor'] = dict(segmentor or {})
    options['segmentor']['init_cfg'] = dict(_delete_=True, type='Pretrained',
                                            checkpoint=str(checkpoint))
    cfg.merge_from_dict(dict(model=options))
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def weak_strong_pipeline(config: str = SYNTHETIC_WESAM_CONFIG):
    """The config's training pipeline after image/annotation loading (flip, instance
    sampling, prompts, weak/strong branches), for hand-made scenes."""
    from mmengine.config import Config
    from mmengine.dataset import Compose
    pipeline = Config.fromfile(config).train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline[:2]] == ['LoadImageAnyDepth', 'LoadSAMAnnotations']
    return Compose(pipeline[2:])


def scene_results(image: np.ndarray, masks: List[np.ndarray], img_id: int = 1) -> dict:
    """``LoadImageFromFile`` + ``LoadAnnotations`` results for an image and its masks."""
    from mmdet.structures.bbox import HorizontalBoxes
    from mmdet.structures.mask import BitmapMasks
    height, width = image.shape[:2]
    stack = np.stack(masks).astype(np.uint8) if len(masks) else \
        np.zeros((0, height, width), np.uint8)
    boxes = np.zeros((len(stack), 4), np.float32)
    for i, mask in enumerate(stack):
        ys, xs = np.nonzero(mask)
        boxes[i] = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    return dict(img=image, img_shape=(height, width), ori_shape=(height, width),
                img_id=img_id, img_path=f'scene_{img_id}.png',
                gt_bboxes=HorizontalBoxes(boxes), gt_bboxes_labels=np.zeros(len(stack),
                                                                            np.int64),
                gt_ignore_flags=np.zeros(len(stack), bool),
                gt_masks=BitmapMasks(stack, height, width))


def clone_state(module: torch.nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed_keys(before: Dict[str, torch.Tensor], module: torch.nn.Module) -> List[str]:
    """State-dict keys of ``module`` whose values differ from ``before``."""
    after = module.state_dict()
    assert after.keys() == before.keys()
    return sorted(k for k in before if not torch.equal(before[k], after[k]))


@contextmanager
def torch_threads(count: int):
    """Run with ``count`` intra-op threads (a tiny SAM on a loaded 2-core machine is
    many times faster single-threaded), then restore the previous setting."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def sam_test_pipeline(seed: int = 0) -> List[dict]:
    """The evaluation pipeline of configs/_base_/datasets/coco_instance.py."""
    return [dict(type='LoadImageAnyDepth'),
            dict(type='LoadSAMAnnotations', with_bbox=True, with_mask=True),
            dict(type='SampleInstances', max_instances=None),
            dict(type='GeneratePrompts', seed=seed),
            dict(type='PackSAMInputs')]


def build_instance_dataset(root: str, split: str, pipeline: List[dict] = None, **kwargs):
    """A ``SAMInstanceDataset`` on ``root/annotations/instances_<split>.json``."""
    from mmwesam.registry import DATASETS
    cfg = dict(type='SAMInstanceDataset', data_root=root,
               ann_file=f'annotations/instances_{split}.json', data_prefix=dict(img=''),
               test_mode=True, pipeline=sam_test_pipeline() if pipeline is None
               else pipeline)
    cfg.update(kwargs)
    return DATASETS.build(cfg)
