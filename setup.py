"""mmwesam: weakly supervised adaptation of Segment Anything, OpenMMLab style."""
import os.path as osp

from setuptools import find_packages, setup


def version() -> str:
    namespace: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmwesam', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmwesam',
    version=version(),
    description='WeSAM (CVPR 2024) as an MMEngine / MMDetection toolbox',
    packages=find_packages(exclude=('tests', 'configs', 'tools')),
    python_requires='>=3.9',
    # torch and mmcv are installed first by scripts/setup_env.sh (see requirements.txt):
    # mmcv compiles against the installed torch, and a bare "torch" requirement would
    # pull the multi-GB CUDA build into a fresh environment.
    install_requires=[
        'torch>=2.1', 'mmcv>=2.0.0,<2.2.0', 'mmengine>=0.10.0,<1.0', 'mmdet==3.3.0',
        'segment-anything>=1.0', 'pycocotools', 'numpy', 'opencv-python', 'pillow',
        'scipy', 'matplotlib', 'terminaltables'
    ],
    zip_safe=False)
