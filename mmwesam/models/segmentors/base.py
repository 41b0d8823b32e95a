"""The base of mmwesam's models: MMEngine's ``BaseModel`` that refuses a non-finite loss."""
from typing import Dict, Tuple

import torch
from mmengine import dist
from mmengine.logging import MessageHub
from mmengine.model import BaseModel


class FiniteLossModel(BaseModel):
    """``parse_losses`` raises ``FloatingPointError`` on a NaN / inf loss term.

    It runs before the optimizer wrapper's backward and step, so the weights never take a
    step from a non-finite loss and no checkpoint of such weights is written: the run
    stops with the iteration and the term that broke.

    In a distributed run the logged values are reduced over the ranks first (the terms
    averaged over the ranks that have them, the counts in ``summed_log_vars`` summed), so
    the log shows the whole global batch and a NaN on any rank stops every rank at the
    same iteration instead of leaving the others waiting in DDP's gradient all-reduce.
    The loss that back-propagates stays the rank's own (DDP averages its gradients).
    """

    #: logged values that are counts: summed over ranks, not averaged
    summed_log_vars: Tuple[str, ...] = ('contrast_skipped',)

    def parse_losses(self, losses: Dict[str, torch.Tensor]
                     ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        loss, log_vars = super().parse_losses(losses)
        if dist.get_world_size() > 1:
            log_vars = self.reduce_log_vars(log_vars)
        if not all(torch.isfinite(value).all() for value in log_vars.values()):
            bad = {name: float(value) for name, value in log_vars.items()
                   if name != 'loss' and not torch.isfinite(value).all()}
            hub = MessageHub.get_current_instance()
            iteration = hub.get_info('iter')
            where = f'iteration {iteration + 1}' if iteration is not None else 'a step'
            raise FloatingPointError(
                f'mmwesam: the loss is not finite at {where}: '
                + ', '.join(f'{name} = {value}' for name, value in bad.items())
                + '. The step was not taken and no checkpoint was written; the last '
                'checkpoint in the work dir holds the weights before it. Common causes: a '
                'learning rate too high for this data, or fp16 without loss scaling.')
        return loss, log_vars

    def zero_loss(self) -> torch.Tensor:
        """A zero loss that reaches every trainable parameter (a batch without prompts).

        Every parameter then gets a (zero) gradient, as DDP without
        ``find_unused_parameters`` needs on each rank; a zero that reached only some of
        them would stop the run in DDP's reducer.
        """
        trainable = [param for param in self.parameters() if param.requires_grad]
        if not trainable:
            raise RuntimeError(f'{type(self).__name__} has no trainable parameter')
        return sum(param.sum() * 0 for param in trainable)

    def reduce_log_vars(self, log_vars: Dict[str, torch.Tensor]
                        ) -> Dict[str, torch.Tensor]:
        """The logged scalars over all ranks; ranks may log different terms (an image
        without prompts, a batch whose contrastive term was skipped)."""
        names = sorted(set().union(*dist.all_gather_object(sorted(log_vars))),
                       key=lambda name: (name != 'loss', name))  # 'loss' first
        device = next(iter(log_vars.values())).device
        values = torch.zeros(2, len(names), dtype=torch.float64, device=device)
        for column, name in enumerate(names):
            if name in log_vars:
                values[0, column] = log_vars[name].detach().double()
                values[1, column] = 1
        dist.all_reduce(values, op='sum')
        return {name: (values[0, column] if name in self.summed_log_vars
                       else values[0, column] / values[1, column]).float()
                for column, name in enumerate(names)}
