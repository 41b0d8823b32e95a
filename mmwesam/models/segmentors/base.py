"""The base of mmwesam's models: MMEngine's ``BaseModel`` that refuses a non-finite loss."""
from typing import Dict, Tuple

import torch
from mmengine.logging import MessageHub
from mmengine.model import BaseModel


class FiniteLossModel(BaseModel):
    """``parse_losses`` raises ``FloatingPointError`` on a NaN / inf loss term.

    It runs before the optimizer wrapper's backward and step, so the weights never take a
    step from a non-finite loss and no checkpoint of such weights is written: the run
    stops with the iteration and the term that broke.
    """

    def parse_losses(self, losses: Dict[str, torch.Tensor]
                     ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        loss, log_vars = super().parse_losses(losses)
        if not torch.isfinite(loss.detach()).all():
            bad = {name: float(value.detach()) for name, value in log_vars.items()
                   if name != 'loss' and not torch.isfinite(value.detach()).all()}
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
