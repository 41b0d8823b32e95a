from .anchor_loss import AnchorLoss
from .box_projection_loss import BoxProjectionLoss
from .contrast_loss import InstanceContrastLoss
from .entropy_loss import BinaryEntropyLoss
from .pairwise_affinity_loss import PairwiseAffinityLoss
from .point_label_loss import PointLabelLoss
from .polygon_band_loss import PolygonBandLoss

__all__ = ['AnchorLoss', 'BinaryEntropyLoss', 'BoxProjectionLoss', 'InstanceContrastLoss',
           'PairwiseAffinityLoss', 'PointLabelLoss', 'PolygonBandLoss']
