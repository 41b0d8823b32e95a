"""Packing that carries the prompts inside ``gt_instances``."""
import numpy as np
import torch
from mmdet.datasets.transforms import PackDetInputs

from mmwesam.registry import TRANSFORMS

# results key -> gt_instances field
PROMPT_FIELDS = {
    'prompt_boxes': 'prompt_boxes',
    'prompt_points': 'prompt_points',
    'prompt_point_labels': 'prompt_point_labels',
    'prompt_masks': 'prompt_masks',
    'prompt_poly_boxes': 'prompt_poly_boxes',
}


@TRANSFORMS.register_module()
class PackSAMInputs(PackDetInputs):
    """mmdet's ``PackDetInputs`` plus the prompt fields of :class:`GeneratePrompts`.

    Prompts travel with their instances (one row per instance in ``gt_instances``), so
    any later indexing of the instances keeps masks and prompts aligned.
    """

    def __init__(self, meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                  'flip', 'flip_direction', 'num_dropped_instances',
                                  'instance_counts')
                 ) -> None:
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        if 'gt_ignore_flags' in results and results['gt_ignore_flags'].any():
            raise ValueError('PackSAMInputs got ignored instances; put SampleInstances '
                             'in the pipeline before it')
        # none is ignored: without the flags mmdet packs the masks as they are, instead of
        # indexing them with "all of them" (two copies of every mask)
        results = {k: v for k, v in results.items() if k != 'gt_ignore_flags'}
        packed = super().transform(results)
        instances = packed['data_samples'].gt_instances
        if 'bboxes' in instances and hasattr(instances.bboxes, 'tensor'):
            # plain tensors: SAM never uses box *types*, and mmdet's visualizer wants them
            instances.bboxes = instances.bboxes.tensor
        for key, field in PROMPT_FIELDS.items():
            if key not in results:
                continue
            value = results[key]
            if isinstance(value, np.ndarray):
                value = torch.from_numpy(np.ascontiguousarray(value))
            instances[field] = value
        return packed
