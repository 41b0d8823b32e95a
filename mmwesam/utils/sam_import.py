"""Import ``segment_anything.modeling`` without running the package ``__init__``.

``segment_anything/__init__.py`` imports its predictor, which imports torchvision; the
CPU torch used here has no matching torchvision. The model code itself needs only torch,
so a bare package object is put in ``sys.modules`` and its submodules load from disk.
"""
import importlib
import importlib.util
import sys
import types
from types import ModuleType


def _bare_package(name: str) -> ModuleType:
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f'{name} is not installed: pip install segment-anything==1.0')
    package = types.ModuleType(name)
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    package.__file__ = spec.origin
    sys.modules[name] = package
    return package


def import_sam_modeling() -> ModuleType:
    """Return ``segment_anything.modeling`` (no torchvision needed)."""
    _bare_package('segment_anything')
    return importlib.import_module('segment_anything.modeling')


def import_sam_amg() -> ModuleType:
    """Return ``segment_anything.utils.amg`` (no torchvision needed)."""
    _bare_package('segment_anything')
    _bare_package('segment_anything.utils')
    return importlib.import_module('segment_anything.utils.amg')
