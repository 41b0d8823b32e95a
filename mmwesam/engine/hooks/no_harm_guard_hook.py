"""Keep the weights that fit the weak labels best, so a run never ends worse than its start
on that signal."""
import contextlib
import copy
import random
from typing import Dict, Iterator, Optional

import numpy as np
import torch
from mmengine.evaluator import Evaluator
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmwesam.registry import HOOKS


@HOOKS.register_module()
class NoHarmGuardHook(Hook):
    """Score the model on the adaptation split against its weak labels, keep the best.

    Every ``interval`` iterations, and before the first, the model predicts the
    adaptation images with their weak-label prompts and ``WeakLabelFitMetric`` scores the
    masks against those same weak labels (box fit, point accuracy): no GT mask is read.
    The weights with the best score (a later one must beat it by more than ``min_gain``)
    are kept in memory, only the tensors that train; after training they replace the
    final weights (``restore_best``), are saved as ``weak_label_fit_best.pth`` in the work
    dir, and the choice is logged and left in the message hub (``no_harm_guard``). Since
    the start is scored too, the kept weights never fit the weak labels worse than the
    source model. Scoring leaves the random state (torch, numpy, python) as it found it:
    a guarded run trains exactly as the same run without the guard.

    Args:
        interval: iterations between two scorings.
        dataloader: the adaptation split with an evaluation pipeline; default: the
            config's ``val_dataloader`` pointed at ``train_dataloader``'s data root and
            annotation file.
        prompt_type: the weak label to score against; default: the model's test prompt
            type.
        min_gain: how much (in points of the score) a later checkpoint must gain.
        restore_best: load the kept weights after training; with False the final weights
            stay and the kept tensors are only left in ``best_state`` (to compare the
            two; nothing is saved).
        max_images: score only the first ``max_images`` adaptation images (a cheaper
            signal on a large split); None: all of them.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 10, dataloader: Optional[dict] = None,
                 prompt_type: Optional[str] = None, min_gain: float = 0.0,
                 restore_best: bool = True, max_images: Optional[int] = None) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        if max_images is not None and max_images < 1:
            raise ValueError(f'max_images must be >= 1 or None, got {max_images}')
        self.max_images = max_images
        self.interval = interval
        self.dataloader_cfg = dataloader
        self.prompt_type = prompt_type
        self.min_gain = min_gain
        self.restore_best = restore_best
        self.history: Dict[int, float] = {}

    @staticmethod
    def _model(runner: Runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def _changing_keys(self, model) -> list:
        """State-dict keys that training can change: trainable parameters and an EMA
        teacher's copy (frozen weights and the source copies stay as they are)."""
        trainable = {name for name, p in model.named_parameters() if p.requires_grad}
        return [key for key in model.state_dict()
                if key in trainable or key.startswith('ema_segmentor.')]

    def before_train(self, runner: Runner) -> None:
        cfg = self.dataloader_cfg
        if cfg is None:
            cfg = copy.deepcopy(runner.cfg.val_dataloader)
            train = runner.cfg.train_dataloader.dataset
            cfg.dataset.update(data_root=train.data_root, ann_file=train.ann_file)
        if self.max_images is not None:
            cfg = copy.deepcopy(cfg)
            cfg.dataset['indices'] = self.max_images
        # building the loader draws its sampler's seed from numpy (see _score)
        with preserved_random_state():
            self.dataloader = runner.build_dataloader(cfg)
        model = self._model(runner)
        prompt_type = self.prompt_type or getattr(
            getattr(model, 'segmentor', model), 'test_prompt_type', 'box')
        self.evaluator = Evaluator(dict(type='WeakLabelFitMetric', prompt_type=prompt_type))
        self.keys = self._changing_keys(model)
        self.history = {}
        self.best_iter, self.best_fit, self.best_state = None, None, None
        self._score(runner, iteration=0)

    def after_train_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner):
            self._score(runner, iteration=runner.iter + 1)

    @torch.no_grad()
    def _score(self, runner: Runner, iteration: int) -> None:
        model = self._model(runner)
        was_training = runner.model.training
        runner.model.eval()
        # a dataloader iterator draws its base seed from torch's generator and the
        # evaluation pipeline may sample (points): without this the guarded run would
        # train on other random draws than the unguarded one
        with preserved_random_state():
            for data_batch in self.dataloader:
                outputs = runner.model.val_step(data_batch)
                self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        fit = self.evaluator.evaluate(len(self.dataloader.dataset))['weak_label_fit']
        runner.model.train(was_training)
        self.history[iteration] = fit
        if self.best_fit is None or fit > self.best_fit + self.min_gain:
            state = model.state_dict()
            self.best_iter, self.best_fit = iteration, fit
            self.best_state = {key: state[key].detach().clone() for key in self.keys}

    def after_train(self, runner: Runner) -> None:
        if self.best_state is None:
            return
        final_iter = max(self.history)
        summary = dict(best_iter=self.best_iter, best_fit=self.best_fit,
                       start_fit=self.history[0], final_iter=final_iter,
                       final_fit=self.history[final_iter],
                       picked_final=self.best_iter == final_iter)
        runner.message_hub.update_info('no_harm_guard', summary)
        runner.logger.info(
            f'NoHarmGuardHook: weak-label fit {summary["start_fit"]:.2f} at the start, '
            f'{summary["final_fit"]:.2f} at iteration {final_iter}, best '
            f'{self.best_fit:.2f} at iteration {self.best_iter}'
            + ('; keeping those weights' if self.restore_best else ''))
        if self.restore_best:
            if not summary['picked_final']:
                self._model(runner).load_state_dict(self.best_state, strict=False)
            runner.save_checkpoint(runner.work_dir, 'weak_label_fit_best.pth',
                                   save_optimizer=False, save_param_scheduler=False)


@contextlib.contextmanager
def preserved_random_state() -> Iterator[None]:
    """Run a block without moving torch's (CPU and CUDA), numpy's or python's random
    state."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)
