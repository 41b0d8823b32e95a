"""The synthetic benchmark of mmwesam as a package of its own (``synthetic_benchmark``).

Installed editable from a checkout (``pip install -e projects/synthetic_benchmark``; the
repository's ``scripts/setup_env.sh`` does it): its configs, records and tools stay in
this folder, which the package finds next to itself.
"""
from setuptools import find_packages, setup

setup(
    name='mmwesam-synthetic-benchmark',
    version='0.1.0',
    description='The synthetic domain-shift benchmark of mmwesam (research code)',
    packages=find_packages(include=('synthetic_benchmark', 'synthetic_benchmark.*')),
    python_requires='>=3.9',
    install_requires=['mmwesam'],
    zip_safe=False)
