"""tools/analysis_tools/adaptation_cost.py: its rebuild of the paper's design computes
mmwesam's losses and gradients, and the benchmark runs and reports."""
import json
import statistics
import subprocess
import sys

import pytest
import torch

from mmwesam.registry import MODELS
from mmwesam.utils import register_all_modules
from tools.analysis_tools.adaptation_cost import (PLAIN, ReferenceWeSAM, _config, make_inputs,
                                                  mmwesam_batch)

TINY = 'configs/wesam/wesam_tiny-p4_box_60it_coco.py'


def _pair(size, options):
    register_all_modules()
    cfg = _config('tiny', size, options, {'tiny': TINY})
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    reference = ReferenceWeSAM.from_config(cfg.model)
    reference.load_mmwesam(model.segmentor.state_dict())
    reference.make_anchor()  # the source model (B = 0), deep-copied as the paper does
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():  # adapted weights: the teacher and student differ from the anchor
        for name, param in model.named_parameters():
            if '.lora_B' in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.05)
    reference.load_mmwesam(model.segmentor.state_dict())
    reference.train_lora()
    return model, reference


@pytest.mark.parametrize('size,prompts', [(64, 3), (96, 5)])
@pytest.mark.parametrize('variant', ['plain', 'default'])
def test_reference_rebuild_gives_mmwesams_losses_and_gradients(size, prompts, variant):
    """96 px is not a multiple of the 64 px window: padded windows are covered too."""
    options = PLAIN if variant == 'plain' else {'loss_chunk_size': 2}
    model, reference = _pair(size, options)
    inputs = make_inputs(size, prompts, seed=2)
    data = model.data_preprocessor(mmwesam_batch(inputs), True)
    ours = model.loss(**data)
    theirs = reference.losses(data['inputs']['weak'], data['inputs']['strong'],
                              inputs['boxes'], (size, size))
    assert set(theirs) == {k for k in ours if k.startswith('loss')}
    assert set(theirs) >= {'loss_st_focal', 'loss_st_dice', 'loss_st_iou', 'loss_anchor',
                           'loss_contrast'}
    for key in theirs:
        assert theirs[key] > 0, key
        torch.testing.assert_close(ours[key], theirs[key], rtol=1e-4, atol=1e-6)
    sum(v for k, v in ours.items() if k.startswith('loss')).backward()
    sum(theirs.values()).backward()
    grads = {n: p.grad for n, p in model.segmentor.named_parameters() if p.grad is not None}
    assert len(grads) == 4 * len(model.segmentor.backbone.blocks)
    for name, grad in grads.items():
        prefix, factor = name.rsplit('.lora_', 1)
        kind, part = factor.split('_')
        other = reference.sam.get_parameter(
            f"{prefix.replace('backbone.', 'image_encoder.', 1)}.{kind.lower()}_{part}.weight")
        torch.testing.assert_close(grad, other.grad, rtol=1e-3, atol=1e-7)


def test_the_benchmark_runs_and_reports(tmp_path):
    cells = ['reference/tiny/64/2', 'default/tiny/64/2', 'sam-forward/tiny/64/2',
             'predict/tiny/64/2', 'alternating/tiny/64/2']
    subprocess.run([sys.executable, 'tools/analysis_tools/adaptation_cost.py',
                    '--arch-config', f'tiny={TINY}', '--cells', *cells,
                    '--eval-images', '1', '--out-dir', str(tmp_path)],
                   check=True, capture_output=True, text=True)
    rows = {r['cell']: r for r in json.load(open(tmp_path / 'results.json'))}
    assert set(rows) == set(cells)
    for cell in cells[:2]:
        assert rows[cell]['peak_mib'] > 100 and rows[cell]['seconds_per_iter'] > 0
        assert rows[cell]['cpu_seconds_per_iter'] > 0
    # the same inputs and weights: the same losses (fused vs eager attention: rounding)
    for key, value in rows['reference/tiny/64/2']['losses'].items():
        assert rows['default/tiny/64/2']['losses'][key] == pytest.approx(value, rel=1e-3)
    # Direct prediction and Sam.forward find the same masks
    assert rows['predict/tiny/64/2']['foreground'] == pytest.approx(
        rows['sam-forward/tiny/64/2']['foreground'], rel=0.01)
    alternating = rows['alternating/tiny/64/2']
    assert alternating['speedup_vs_sam_forward'] > 0
    assert alternating['foreground']['predict'] == pytest.approx(
        alternating['foreground']['sam-forward'], rel=0.01)
    table = (tmp_path / 'table.md').read_text()
    assert '| reference | tiny | 64 | 2 |' in table and '1.00x' in table
    assert '| predict | tiny | 64 | 2 |' in table


def test_cell_names_are_checked(tmp_path):
    done = subprocess.run([sys.executable, 'tools/analysis_tools/adaptation_cost.py',
                           '--cells', 'fast/vit_b/1024/10', '--out-dir', str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode != 0 and 'bad cell' in done.stderr


def test_repeated_rounds_report_medians_and_round_ratios(tmp_path):
    cells = ['reference/tiny/64/2', 'default/tiny/64/2']
    done = subprocess.run([sys.executable, 'tools/analysis_tools/adaptation_cost.py',
                           '--arch-config', f'tiny={TINY}', '--cells', *cells,
                           '--repeat', '3', '--out-dir', str(tmp_path)],
                          check=True, capture_output=True, text=True)
    # interleaved: reference, default, reference, default, ...
    order = [line.split()[1] for line in done.stdout.splitlines()
             if line.startswith('[adaptation_cost]')]
    assert order == cells * 3
    rows = {r['cell']: r for r in json.load(open(tmp_path / 'results.json'))}
    for cell in cells:
        runs = rows[cell]['runs']
        assert len(runs) == 3
        assert rows[cell]['seconds_per_iter'] == pytest.approx(
            statistics.median(r['seconds_per_iter'] for r in runs), abs=0.01)
        assert rows[cell]['peak_mib'] == statistics.median(r['peak_mib'] for r in runs)
    ratios = sorted(d['seconds_per_iter'] / r['seconds_per_iter'] for d, r in
                    zip(rows[cells[1]]['runs'], rows[cells[0]]['runs']))
    cpu_ratios = sorted(d['cpu_seconds_per_iter'] / r['cpu_seconds_per_iter'] for d, r in
                        zip(rows[cells[1]]['runs'], rows[cells[0]]['runs']))
    table = (tmp_path / 'table.md').read_text()
    row = next(line for line in table.splitlines() if line.startswith('| default | tiny'))
    assert row.endswith(f'| {ratios[1]:.2f}x ({ratios[0]:.2f}-{ratios[2]:.2f}, 3 rounds) '
                        f'| {cpu_ratios[1]:.2f}x ({cpu_ratios[0]:.2f}-{cpu_ratios[2]:.2f}, '
                        '3 rounds) |')
    # measured cells are kept: asking again runs nothing
    again = subprocess.run([sys.executable, 'tools/analysis_tools/adaptation_cost.py',
                            '--arch-config', f'tiny={TINY}', '--cells', *cells,
                            '--repeat', '3', '--out-dir', str(tmp_path)],
                           check=True, capture_output=True, text=True)
    assert again.stdout.count('kept from') == 2
