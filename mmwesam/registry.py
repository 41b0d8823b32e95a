"""Registries of mmwesam, children of mmdet's (which are children of mmengine's).

Modules registered here are found under ``default_scope = 'mmwesam'``; names that are
not found here fall back to mmdet's and then mmengine's registries.
"""
from mmdet.registry import DATA_SAMPLERS as MMDET_DATA_SAMPLERS
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import HOOKS as MMDET_HOOKS
from mmdet.registry import LOG_PROCESSORS as MMDET_LOG_PROCESSORS
from mmdet.registry import LOOPS as MMDET_LOOPS
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import OPTIM_WRAPPERS as MMDET_OPTIM_WRAPPERS
from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
from mmdet.registry import VISBACKENDS as MMDET_VISBACKENDS
from mmdet.registry import VISUALIZERS as MMDET_VISUALIZERS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMDET_MODELS, locations=['mmwesam.models'])
DATASETS = Registry('dataset', parent=MMDET_DATASETS, locations=['mmwesam.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMDET_DATA_SAMPLERS, locations=['mmwesam.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMDET_TRANSFORMS, locations=['mmwesam.datasets.transforms'])
METRICS = Registry('metric', parent=MMDET_METRICS, locations=['mmwesam.evaluation'])
HOOKS = Registry('hook', parent=MMDET_HOOKS, locations=['mmwesam.engine'])
LOOPS = Registry('loop', parent=MMDET_LOOPS, locations=['mmwesam.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMDET_OPTIM_WRAPPERS, locations=['mmwesam.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMDET_VISUALIZERS, locations=['mmwesam.engine'])
# nothing of mmwesam's own: they exist so that the runner finds mmengine's log processor
# and visualisation backends under the 'mmwesam' scope without a warning per run
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMDET_LOG_PROCESSORS, locations=['mmwesam.engine'])
VISBACKENDS = Registry('vis_backend', parent=MMDET_VISBACKENDS, locations=['mmwesam.engine'])
# callables named in configs, e.g. FSDP's auto_wrap_policy (mmdet has no FUNCTIONS)
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, locations=['mmwesam.engine'])
# FlexibleRunner strategies (mmdet has no STRATEGIES registry)
STRATEGIES = Registry('strategy', parent=MMENGINE_STRATEGIES, locations=['mmwesam.engine'])
