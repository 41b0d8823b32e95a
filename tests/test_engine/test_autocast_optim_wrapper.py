"""bf16 training without a GPU: ``use_amp`` picks ``AutocastOptimWrapper`` on CPU, and a
tiny WeSAM trains under it in an MMEngine runner: the forward really runs in bf16, the
losses stay fp32 and finite, and the weights stay close to an fp32 run's."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmwesam.engine.amp import use_amp
from mmwesam.engine.optimizers import AutocastOptimWrapper
from mmwesam.engine.runner.amp_loops import AmpTestLoop, AmpValLoop
from helpers import SYNTHETIC_WESAM_CONFIG, tiny_runner_config, write_coco_dataset


class _Record(Hook):
    """Keeps each iteration's outputs and the dtype the encoder's first linear layer
    produces inside the optimizer wrapper's context."""

    def __init__(self):
        self.outputs, self.dtypes = [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        linear = runner.model.segmentor.backbone.blocks[0].mlp.lin1
        with runner.optim_wrapper.optim_context(runner.model):
            self.dtypes.append(linear(torch.zeros(1, linear.in_features)).dtype)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append({k: v.detach().clone() for k, v in outputs.items()})


def _train(checkpoint, data_root, work_dir, amp):
    cfg = tiny_runner_config(SYNTHETIC_WESAM_CONFIG, checkpoint, data_root, work_dir,
                             max_iters=3)
    cfg.randomness = dict(seed=0)
    if amp:
        use_amp(cfg, 'bfloat16')
    runner = Runner.from_cfg(cfg)
    record = _Record()
    runner.register_hook(record, priority='LOWEST')
    runner.train()
    return runner, record


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path of --amp')
def test_wesam_trains_in_bf16_on_cpu_close_to_fp32(checkpoint, tmp_path):
    data_root = str(tmp_path / 'coco')
    write_coco_dataset(data_root, num_images=4, max_instances=3, seed=5,
                       splits={'adapt': (0, 2), 'test': (2, 4)})
    fp32, fp32_record = _train(checkpoint, data_root, tmp_path / 'fp32', amp=False)
    bf16, bf16_record = _train(checkpoint, data_root, tmp_path / 'bf16', amp=True)
    assert isinstance(bf16.optim_wrapper, AutocastOptimWrapper)
    assert isinstance(bf16.val_loop, AmpValLoop) and isinstance(bf16.test_loop, AmpTestLoop)
    assert bf16_record.dtypes == [torch.bfloat16] * 3
    assert fp32_record.dtypes == [torch.float32] * 3
    for ours, theirs in zip(bf16_record.outputs, fp32_record.outputs):
        assert set(ours) == set(theirs) and 'loss_contrast' in ours
        for key, value in ours.items():
            assert value.dtype == torch.float32 and torch.isfinite(value), key
        # the first step sees the same weights: the losses differ by bf16 rounding only
    for key, value in bf16_record.outputs[0].items():
        if key.startswith('loss'):
            assert value.item() == pytest.approx(fp32_record.outputs[0][key].item(),
                                                 rel=0.1, abs=0.02), key
    ours, theirs = (dict(r.model.named_parameters()) for r in (bf16, fp32))
    lora = [name for name, p in ours.items() if p.requires_grad]
    assert lora and all(ours[n].dtype == torch.float32 for n in lora)  # fp32 master weights
    assert any(not torch.equal(ours[n], theirs[n]) for n in lora)  # bf16 really ran
    for name in lora:
        assert torch.isfinite(ours[name]).all(), name
        # 3 Adam steps of lr-sized moves: bf16 changes their direction a little, not much
        torch.testing.assert_close(ours[name], theirs[name], atol=2e-3, rtol=0)


def test_use_amp_sets_the_wrapper_and_loops_for_the_device(monkeypatch):
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', loss_scale=4.0,
                                         optimizer=dict(type='AdamW', lr=1e-4)),
                      val_cfg=dict(type='ValLoop'), test_cfg=dict(type='TestLoop')))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cpu = copy.deepcopy(cfg)
    use_amp(cpu, 'bfloat16', train=True, test=False)
    assert cpu.optim_wrapper.type == 'AutocastOptimWrapper' and 'loss_scale' not in \
        cpu.optim_wrapper and cpu.optim_wrapper.optimizer.lr == 1e-4
    assert cpu.val_cfg == dict(type='AmpValLoop', dtype='bfloat16')
    assert cpu.test_cfg == dict(type='TestLoop')  # test=False leaves it
    with pytest.raises(ValueError, match='float16 needs a GPU'):
        use_amp(copy.deepcopy(cfg), 'float16')
    with pytest.raises(ValueError, match='AMP dtype'):
        use_amp(copy.deepcopy(cfg), 'float8')
    evaluation = copy.deepcopy(cfg)
    use_amp(evaluation, 'float16', train=False)  # evaluation only: no scaler needed
    assert evaluation.optim_wrapper.type == 'OptimWrapper'
    assert evaluation.test_cfg == dict(type='AmpTestLoop', dtype='float16')

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    for dtype, scale in (('bfloat16', 1.0), ('float16', 'dynamic')):
        gpu = copy.deepcopy(cfg)
        use_amp(gpu, dtype)
        assert gpu.optim_wrapper.type == 'AmpOptimWrapper'
        assert gpu.optim_wrapper.dtype == dtype and gpu.optim_wrapper.loss_scale == scale


def test_autocast_wrapper_refuses_float16():
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match='dtype must be bfloat16'):
        AutocastOptimWrapper(dtype='float16', optimizer=optimizer)
    assert AutocastOptimWrapper(dtype=torch.bfloat16, optimizer=optimizer).cast_dtype \
        is torch.bfloat16
