"""InstanceCountHook sums SampleInstances' per-image counts and logs why instances went."""
from types import SimpleNamespace

from mmdet.structures import DetDataSample

from mmwesam.engine.hooks import InstanceCountHook


class _Logger:
    def __init__(self):
        self.lines = []

    def info(self, line):
        self.lines.append(line)


def _sample(img_id, loaded, ignored=0, empty=0, not_sampled=0):
    return DetDataSample(metainfo=dict(img_id=img_id, instance_counts=dict(
        loaded=loaded, ignored=ignored, empty=empty, not_sampled=not_sampled)))


def test_training_counts_every_loaded_image_and_says_why():
    runner = SimpleNamespace(logger=_Logger())
    hook = InstanceCountHook()
    hook.before_train(runner)
    weak = [_sample(1, 50, ignored=2, not_sampled=8), _sample(2, 5, empty=1)]
    hook.after_train_iter(runner, 0, dict(data_samples=dict(weak=weak, strong=weak)))
    hook.after_train_iter(runner, 1, dict(data_samples=dict(weak=weak[:1], strong=weak[:1])))
    hook.after_train(runner)
    assert runner.logger.lines == [
        'training pipeline: 105 instances in 3 loaded images, 84 kept; dropped 5: '
        '4 crowd / ignore flag, 1 empty mask (under min_area pixels); 16 not sampled '
        "(over SampleInstances' max_instances)"]


def test_evaluation_counts_an_image_once():
    runner = SimpleNamespace(logger=_Logger())
    hook = InstanceCountHook()
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, dict(data_samples=[_sample(1, 3), _sample(2, 4, empty=1)]))
    hook.after_test_iter(runner, 1, dict(data_samples=[_sample(2, 4, empty=1)]))  # repeat
    hook.after_test_epoch(runner)
    assert runner.logger.lines == ['test pipeline: 7 instances in 2 images, 6 kept; dropped '
                                   '1: 1 empty mask (under min_area pixels)']
    # a pipeline without SampleInstances: nothing to say
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, dict(data_samples=[DetDataSample()]))
    hook.after_val_epoch(runner)
    assert len(runner.logger.lines) == 1
