"""mmwesam: weakly supervised adaptation of Segment Anything, OpenMMLab style."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
# What `pip install .` ships inside the package (mmwesam/.mim/), as mmdet does, so that
# tools/train.py, tools/test.py and every config work from any directory.
MIM_FILES = ('configs', 'tools', 'checkpoints/sam_tiny_synthetic_source_p4.pth')


def version() -> str:
    namespace: dict = {}
    with open(osp.join(HERE, 'mmwesam', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def add_mim_extension() -> list:
    """Fill mmwesam/.mim: links for an editable install (edits show at once), copies
    for a wheel. Returns the package-data paths, relative to mmwesam/."""
    editable = any(cmd in sys.argv for cmd in ('develop', 'editable_wheel'))
    mim = osp.join(HERE, 'mmwesam', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        source, target = osp.join(HERE, name), osp.join(mim, name)
        if not osp.exists(source):
            continue
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        os.makedirs(osp.dirname(target), exist_ok=True)
        if editable:
            os.symlink(osp.relpath(source, osp.dirname(target)), target)
        elif osp.isdir(source):
            shutil.copytree(source, target,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(source, target)
    files = []
    for root, _, names in os.walk(mim, followlinks=True):
        files += [osp.relpath(osp.join(root, n), osp.join(HERE, 'mmwesam')) for n in names
                  if not n.endswith('.pyc')]
    return files


setup(
    name='mmwesam',
    version=version(),
    description='WeSAM (CVPR 2024) as an MMEngine / MMDetection toolbox',
    packages=find_packages(include=('mmwesam', 'mmwesam.*')),
    package_data={'mmwesam': add_mim_extension()},
    python_requires='>=3.9',
    # torch and mmcv are installed first by scripts/setup_env.sh (see requirements.txt):
    # mmcv compiles against the installed torch, and a bare "torch" requirement would
    # pull the multi-GB CUDA build into a fresh environment.
    install_requires=[
        'torch>=2.1', 'mmcv>=2.0.0,<2.2.0', 'mmengine>=0.10.0,<1.0', 'mmdet==3.3.0',
        'segment-anything>=1.0', 'pycocotools', 'numpy', 'opencv-python', 'pillow',
        'scipy', 'matplotlib', 'terminaltables'
    ],
    entry_points={'console_scripts': ['mmwesam-train = mmwesam.cli:train',
                                      'mmwesam-test = mmwesam.cli:test']},
    zip_safe=False)
