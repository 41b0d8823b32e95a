from .anchor_loss import AnchorLoss
from .contrast_loss import InstanceContrastLoss
from .entropy_loss import BinaryEntropyLoss

__all__ = ['AnchorLoss', 'InstanceContrastLoss', 'BinaryEntropyLoss']
