"""Every config parses, and its file name follows {method}_{model}_{prompt}_{schedule}_{data}.py
(schedule omitted where nothing trains), with the fields its content says."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

from helpers import REPO

ROOTS = [osp.join(REPO, 'configs'), osp.join(REPO, 'projects', 'synthetic_benchmark', 'configs')]
CONFIGS = sorted(
    path for root in ROOTS
    for path in glob.glob(osp.join(root, '**', '*.py'), recursive=True)
    if '_base_' not in path.split(osp.sep))
MODEL = r'(vit-[blh]|tiny-p4)'
PROMPT = r'(box|point|poly|promptfree|box2point|point2box|mixed)'
SCHEDULE = r'(\d+k|\d+it)'
NAME = re.compile(rf'^[a-z][a-z0-9-]*_{MODEL}_{PROMPT}(_{SCHEDULE})?_[a-z][a-z0-9-]*\.py$')


def test_there_are_configs():
    assert len(CONFIGS) > 50


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_name_and_content_agree(path):
    name = osp.basename(path)
    match = NAME.match(name)
    assert match, f'{name} does not follow {{method}}_{{model}}_{{prompt}}_{{schedule}}_{{data}}.py'
    cfg = Config.fromfile(path)
    model = cfg.model.get('segmentor', cfg.model)
    if match.group(1).startswith('vit-'):
        assert model.backbone.arch == 'vit_' + match.group(1)[-1]
    else:
        assert model.backbone.patch_size == 4
    prompt = match.group(2)
    if prompt in ('box', 'point', 'poly'):
        assert model.prompt_type == prompt
    schedule = match.group(4)
    if schedule is not None:  # a training config: the name says how long it trains
        iters = int(schedule[:-1]) * 1000 if schedule.endswith('k') else int(schedule[:-2])
        assert cfg.train_cfg.max_iters == iters
