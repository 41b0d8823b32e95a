from .instance_iou import InstanceIoUMetric, instance_iou_f1

__all__ = ['InstanceIoUMetric', 'instance_iou_f1']
