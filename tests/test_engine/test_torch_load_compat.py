"""mmengine checkpoints load with torch.load's default weights_only=True."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from mmwesam.engine import allow_mmengine_checkpoints


def _checkpoint():
    """What mmengine's runner saves next to the weights (message hub, numpy meta)."""
    hub = MessageHub.get_instance('test_engine_checkpoint')
    for value in (2.0, 1.0, 0.5):
        hub.update_scalar('train/loss', value)
    hub.update_scalar('train/lr', 1e-4)
    hub.update_info('iter', 4)
    buffer = HistoryBuffer()
    buffer.update(3.0)
    buffer.statistics('mean')  # as the logger does: fills the buffer's method table
    return dict(
        meta=dict(seed=np.int64(0), iter=4, epoch=np.int32(0), lr=np.float64(1e-4),
                  flags=np.array([True, False]), hist=np.arange(3, dtype=np.float32),
                  dtype=np.dtype('float32')),
        message_hub=hub.state_dict(),
        extra_buffer=buffer,
        state_dict={'w': torch.arange(4.), 'b': torch.ones(2, dtype=torch.int64)},
        optimizer={'state': {}, 'param_groups': [{'lr': 1e-4}]})


def test_default_torch_load_reads_mmengine_checkpoint(tmp_path):
    allow_mmengine_checkpoints()
    path = tmp_path / 'iter_4.pth'
    torch.save(_checkpoint(), path)
    loaded = torch.load(path)  # weights_only is True by default (torch >= 2.6)
    meta = loaded['meta']
    assert meta['seed'] == 0 and isinstance(meta['seed'], np.int64)
    assert meta['lr'] == pytest.approx(1e-4) and isinstance(meta['lr'], np.float64)
    assert isinstance(meta['epoch'], np.int32)
    np.testing.assert_array_equal(meta['flags'], [True, False])
    np.testing.assert_array_equal(meta['hist'], [0, 1, 2])
    assert meta['hist'].dtype == np.float32 and meta['dtype'] == np.dtype('float32')
    scalars = loaded['message_hub']['log_scalars']
    assert isinstance(scalars['train/loss'], HistoryBuffer)
    np.testing.assert_allclose(scalars['train/loss'].data[0], [2.0, 1.0, 0.5])
    # the statistics still work although their functions were not pickled
    assert scalars['train/loss'].mean() == pytest.approx(3.5 / 3)
    assert scalars['train/loss'].statistics('min') == pytest.approx(0.5)
    assert loaded['extra_buffer'].current() == 3.0
    assert loaded['message_hub']['runtime_info']['iter'] == 4
    assert torch.equal(loaded['state_dict']['w'], torch.arange(4.))
    assert torch.equal(loaded['state_dict']['b'], torch.ones(2, dtype=torch.int64))


def test_history_buffer_pickles_no_functions():
    allow_mmengine_checkpoints()
    buffer = HistoryBuffer()
    buffer.update(1.0)
    buffer.statistics('max')
    data = pickle.dumps(buffer)
    assert b'getattr' not in data and b'statistics_methods' not in data
    assert pickle.loads(data).max() == 1.0


def test_without_the_allow_list_the_same_file_is_refused(tmp_path):
    """The check is real: torch refuses these objects unless they are allow-listed."""
    allow_mmengine_checkpoints()
    path = tmp_path / 'iter_4.pth'
    torch.save(_checkpoint(), path)
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        with pytest.raises(pickle.UnpicklingError, match='weights_only'):
            torch.load(path)
    finally:
        torch.serialization.add_safe_globals(saved)
    assert torch.load(path)['meta']['iter'] == 4


def test_arbitrary_objects_stay_refused(tmp_path):
    allow_mmengine_checkpoints()
    path = tmp_path / 'evil.pth'
    torch.save({'x': Exception('not allowed')}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
