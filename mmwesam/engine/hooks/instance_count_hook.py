"""Log how many instances the pipeline dropped in a run, and why."""
from collections import Counter
from typing import Dict, Iterable, Optional

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmwesam.registry import HOOKS

#: keys of ``SampleInstances``' per-image ``instance_counts``, in the logged order
COUNT_KEYS = ('loaded', 'ignored', 'empty', 'not_sampled')
_WHY = dict(ignored='crowd / ignore flag', empty='empty mask (under min_area pixels)')


def _samples(data_batch) -> Iterable:
    samples = data_batch.get('data_samples', []) if isinstance(data_batch, dict) else []
    if isinstance(samples, dict):  # MultiBranch: every branch holds the same instances
        samples = next(iter(samples.values()), [])
    return samples


@HOOKS.register_module()
class InstanceCountHook(Hook):
    """Sum ``SampleInstances``' per-image counts over training, each validation and each
    test, and log them once at the end of each, summed over all ranks, e.g.::

        test pipeline: 1402 instances in 100 images, 1380 kept; dropped 22: 20 crowd /
        ignore flag, 2 empty mask (under min_area pixels)

    The annotation file's own drops are logged by ``SAMInstanceDataset`` when it loads;
    this covers the pipeline, so that every dropped instance is counted once. In
    validation and test an image is counted once even if a distributed sampler repeats it
    to even out the ranks. Pipelines without ``SampleInstances`` log nothing.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._train: Counter = Counter()
        self._eval: Dict[object, Dict[str, int]] = {}

    # ---------------------------------------------------------------- train
    def before_train(self, runner: Runner) -> None:
        self._train = Counter()

    def after_train_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        for sample in _samples(data_batch):
            counts = sample.metainfo.get('instance_counts')
            if counts:
                self._train.update(counts)
                self._train['images'] += 1

    def after_train(self, runner: Runner) -> None:
        self._log(runner, 'training', self._reduce(self._train))

    # ----------------------------------------------------------- val / test
    def before_val_epoch(self, runner: Runner) -> None:
        self._eval = {}

    def before_test_epoch(self, runner: Runner) -> None:
        self._eval = {}

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        self._collect_eval(data_batch)

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        self._collect_eval(data_batch)

    def after_val_epoch(self, runner: Runner, metrics: Optional[dict] = None) -> None:
        self._log(runner, 'validation', self._gather_eval())

    def after_test_epoch(self, runner: Runner, metrics: Optional[dict] = None) -> None:
        self._log(runner, 'test', self._gather_eval())

    def _collect_eval(self, data_batch) -> None:
        for sample in _samples(data_batch):
            counts = sample.metainfo.get('instance_counts')
            if counts:
                key = sample.metainfo.get('img_id', sample.metainfo.get('img_path'))
                self._eval[key] = dict(counts)

    def _gather_eval(self) -> Counter:
        per_image = {}
        parts = dist.all_gather_object(self._eval) if dist.get_world_size() > 1 \
            else [self._eval]
        for part in parts:
            per_image.update(part)  # a repeated image has the same counts on every rank
        total = Counter(images=len(per_image))
        for counts in per_image.values():
            total.update(counts)
        return total

    @staticmethod
    def _reduce(counts: Counter) -> Counter:
        if dist.get_world_size() < 2:
            return counts
        keys = ('images', ) + COUNT_KEYS
        values = torch.tensor([float(counts.get(k, 0)) for k in keys],
                              device=dist.get_comm_device())
        dist.all_reduce(values, op='sum')
        return Counter({k: int(v) for k, v in zip(keys, values.tolist())})

    @staticmethod
    def _log(runner: Runner, phase: str, counts: Counter) -> None:
        if not counts.get('images'):
            return
        dropped = counts['ignored'] + counts['empty']
        kept = counts['loaded'] - dropped - counts['not_sampled']
        # training loads an image once per time it is drawn
        images = 'loaded images' if phase == 'training' else 'images'
        line = (f'{phase} pipeline: {counts["loaded"]} instances in {counts["images"]} '
                f'{images}, {kept} kept')
        if dropped:
            line += f'; dropped {dropped}: ' + ', '.join(
                f'{counts[k]} {_WHY[k]}' for k in ('ignored', 'empty') if counts[k])
        if counts['not_sampled']:
            line += (f'; {counts["not_sampled"]} not sampled (over SampleInstances\' '
                     'max_instances)')
        runner.logger.info(line)
