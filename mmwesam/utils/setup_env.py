"""Registration of all modules and process-wide torch settings."""
import datetime
import warnings

import torch
from mmengine import DefaultScope


def setup_torch() -> None:
    """Settings every mmwesam process wants on CPU.

    Denormal floats appear once a model grows confident (tiny logits gradients) and made
    a CPU training run 6x slower; flushing them to zero costs no accuracy here.
    """
    torch.set_flush_denormal(True)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmwesam module so that its registries are filled.

    Args:
        init_default_scope: set the default scope to ``'mmwesam'`` so that names
            resolve in mmwesam's registries first, then mmdet's and mmengine's.
    """
    import mmdet.datasets  # noqa: F401,F403
    import mmdet.engine  # noqa: F401,F403
    import mmdet.evaluation  # noqa: F401,F403
    import mmdet.models  # noqa: F401,F403
    import mmdet.visualization  # noqa: F401,F403

    import mmwesam.datasets  # noqa: F401,F403
    import mmwesam.engine  # noqa: F401,F403
    import mmwesam.evaluation  # noqa: F401,F403
    import mmwesam.models  # noqa: F401,F403
    from mmwesam.engine.torch_load_compat import allow_mmengine_checkpoints
    allow_mmengine_checkpoints()
    setup_torch()

    if not init_default_scope:
        return
    never_created = DefaultScope.get_current_instance() is None \
        or not DefaultScope.check_instance_created('mmwesam')
    if never_created:
        DefaultScope.get_instance('mmwesam', scope_name='mmwesam')
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope.scope_name != 'mmwesam':
        warnings.warn('The current default scope '
                      f'"{current_scope.scope_name}" is not "mmwesam", '
                      '`register_all_modules` will force the current '
                      'default scope to be "mmwesam". If this is not '
                      'expected, please set `init_default_scope=False`.')
        new_instance_name = f'mmwesam-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='mmwesam')
