from .metrics import InstanceIoUMetric

__all__ = ['InstanceIoUMetric']
