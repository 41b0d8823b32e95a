"""`pip install .` (not -e) ships configs/, tools/ and the tiny checkpoint in mmwesam/.mim,
and the installed tools find a config from another directory."""
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

from helpers import REPO


def test_wheel_ships_configs_and_tools_and_they_resolve_elsewhere(tmp_path):
    source = tmp_path / 'src'  # a copy: the build writes mmwesam/.mim next to setup.py
    source.mkdir()
    shutil.copyfile(osp.join(REPO, 'setup.py'), source / 'setup.py')
    for name in ('mmwesam', 'configs', 'tools'):
        shutil.copytree(osp.join(REPO, name), source / name,
                        ignore=shutil.ignore_patterns('__pycache__', '.mim'))
    (source / 'checkpoints').mkdir()
    shutil.copyfile(osp.join(REPO, 'checkpoints', 'sam_tiny_synthetic_source_p4.pth'),
                    source / 'checkpoints' / 'sam_tiny_synthetic_source_p4.pth')
    wheels = tmp_path / 'wheels'
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                    '--no-build-isolation', '-w', str(wheels), str(source)], check=True)
    wheel, = wheels.glob('mmwesam-*.whl')
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ('mmwesam/.mim/configs/wesam/wesam_vit-b_box_2k_coco.py',
                    'mmwesam/.mim/configs/_base_/models/sam_vit_b.py',
                    'mmwesam/.mim/tools/train.py', 'mmwesam/.mim/tools/test.py',
                    'mmwesam/.mim/checkpoints/sam_tiny_synthetic_source_p4.pth'):
        assert shipped in names, shipped
    assert not any(n.startswith(('configs/', 'tools/', 'tests/')) for n in names)
    assert 'mmwesam-train = mmwesam.cli:train' in zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith('entry_points.txt'))).decode()

    target = tmp_path / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target',
                    str(target), str(wheel)], check=True)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    probe = ('import mmwesam, sys\n'
             'from mmwesam.utils.package_files import resolve_config, '
             'resolve_shipped_checkpoint\n'
             'from mmengine.config import Config\n'
             'print(mmwesam.__file__)\n'
             'for name in ("configs/wesam/wesam_vit-b_box_2k_coco.py", '
             '"mmwesam::wesam/wesam_tiny-p4_box_60it_coco.py"):\n'
             '    path = resolve_config(name)\n'
             '    print(path, Config.fromfile(path).model.type)\n'
             'print(resolve_shipped_checkpoint("checkpoints/sam_tiny_synthetic_source_p4.pth"))\n')
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, '-c', probe], cwd=elsewhere, env=env, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    installed = osp.join(str(target), 'mmwesam')
    assert out[0] == osp.join(installed, '__init__.py')  # the wheel's copy, not the checkout
    mim = osp.join(installed, '.mim')
    assert out[1] == osp.join(mim, 'configs', 'wesam', 'wesam_vit-b_box_2k_coco.py') + \
        ' SelfTrainingTeacher'
    assert out[2] == osp.join(mim, 'configs', 'wesam', 'wesam_tiny-p4_box_60it_coco.py') + \
        ' SelfTrainingTeacher'
    assert out[3] == osp.join(mim, 'checkpoints', 'sam_tiny_synthetic_source_p4.pth')
