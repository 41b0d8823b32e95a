from .instance_iou import InstanceIoUMetric, instance_iou_f1
from .weak_label_fit import WeakLabelFitMetric

__all__ = ['InstanceIoUMetric', 'WeakLabelFitMetric', 'instance_iou_f1']
