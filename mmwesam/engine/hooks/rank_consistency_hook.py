"""Check that every rank of a distributed run holds the same weights."""
from typing import Optional

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmwesam.registry import HOOKS


@HOOKS.register_module()
class RankConsistencyHook(Hook):
    """Compare every parameter and buffer of each rank with rank 0's, exactly.

    DDP keeps the replicas equal only if every rank steps on the same averaged
    gradients from the same start: a rank-dependent branch in a model, a parameter that
    misses its gradient on one rank, or a teacher updated from something rank-local
    breaks it silently. This hook broadcasts rank 0's state and counts the tensors that
    are not ``torch.equal`` on any rank; a mismatch raises ``RuntimeError`` naming the
    first of them. It runs after training, and every ``interval`` iterations if
    ``interval > 0`` (one broadcast of the whole model each time). Single-process runs
    skip it.
    """

    priority = 'LOW'

    def __init__(self, interval: int = -1) -> None:
        self.interval = interval

    def after_train_iter(self, runner: Runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if self.interval > 0 and self.every_n_train_iters(runner, self.interval):
            self.check(runner)

    def after_train(self, runner: Runner) -> None:
        self.check(runner)

    @torch.no_grad()
    def check(self, runner: Runner) -> int:
        """Compare the ranks; returns the number of tensors compared (0 on one rank)."""
        world = dist.get_world_size()
        if world < 2:
            return 0
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        different = []
        state = model.state_dict(keep_vars=False)
        for name, tensor in state.items():
            reference = tensor.detach().clone()
            dist.broadcast(reference, src=0)
            if not torch.equal(reference, tensor):
                different.append(name)
        count = torch.tensor([float(len(different))], device=next(iter(state.values())).device)
        dist.all_reduce(count, op='sum')
        if count.item():
            mine = f'on rank {dist.get_rank()}: {different[:3]}' if different else ''
            raise RuntimeError(f'RankConsistencyHook: after iteration {runner.iter} the ranks '
                               f'hold different weights ({int(count.item())} tensors differ '
                               f'from rank 0 over all ranks) {mine}')
        runner.logger.info(f'RankConsistencyHook: all {len(state)} tensors of the model are '
                           f'identical on the {world} ranks after iteration {runner.iter}')
        return len(state)
