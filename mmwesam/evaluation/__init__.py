from .metrics import InstanceIoUMetric, WeakLabelFitMetric

__all__ = ['InstanceIoUMetric', 'WeakLabelFitMetric']
