"""The distributed pieces on 2 gloo processes (spawned, CPU): RankConsistencyHook finds a
rank whose weights differ, and FiniteLossModel's logged values are reduced over the ranks
(terms only some ranks have, counts summed) so that a NaN on one rank stops all."""
import logging
import os
import socket
from types import SimpleNamespace

import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
import torch.nn as nn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class _Model(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(3, 2)


def _worker(rank: int, port: int, queue) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch_dist.init_process_group('gloo', rank=rank, world_size=2)
    from mmwesam.engine.hooks import RankConsistencyHook
    from mmwesam.models.segmentors.base import FiniteLossModel
    out = {}
    try:
        model = _Model()
        runner = SimpleNamespace(model=model, iter=7, logger=logging.getLogger('t'))
        out['compared'] = RankConsistencyHook().check(runner)
        if rank == 1:
            with torch.no_grad():
                model.linear.bias[0] += 1e-6
        try:
            RankConsistencyHook().check(runner)
            out['mismatch'] = None
        except RuntimeError as error:
            out['mismatch'] = str(error)

        class Losses(FiniteLossModel):
            def forward(self, *args, **kwargs):
                raise NotImplementedError

        base = Losses()
        losses = dict(loss_a=torch.tensor(float(rank + 1)),
                      contrast_skipped=torch.tensor(float(rank + 2)))
        if rank == 0:
            losses['loss_b'] = torch.tensor(4.0)
        _, log_vars = base.parse_losses(losses)
        out['log'] = {k: float(v) for k, v in log_vars.items()}
        losses = dict(loss_a=torch.tensor(float('nan') if rank == 1 else 1.0))
        try:
            base.parse_losses(losses)
            out['nan'] = None
        except FloatingPointError as error:
            out['nan'] = str(error)
    finally:
        queue.put((rank, out))
        torch_dist.destroy_process_group()


def test_two_gloo_ranks():
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    port = _free_port()
    procs = [ctx.Process(target=_worker, args=(rank, port, queue)) for rank in range(2)]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for rank in (0, 1):
        out = results[rank]
        assert out['compared'] == 2  # weight and bias
        # every rank raises, rank 1 names its tensor
        assert 'after iteration 7' in out['mismatch'] and '1 tensors differ' in out['mismatch']
        # loss_a averaged (1, 2), loss_b only on rank 0 (its value), counts summed (2 + 3)
        assert out['log'] == {'loss': 3.5, 'contrast_skipped': 5.0, 'loss_a': 1.5,
                              'loss_b': 4.0}
        assert 'loss_a = nan' in out['nan']
    assert 'linear.bias' in results[1]['mismatch']
    assert 'linear.bias' not in results[0]['mismatch']
