"""TeacherUpdateHook: shared weights (WeSAM) are checked, EMA (Mean Teacher) is updated."""
from types import SimpleNamespace

import pytest
import torch

from mmwesam.engine.hooks import TeacherUpdateHook
from mmwesam.registry import HOOKS
from helpers import build_tiny_wesam


@pytest.fixture(scope='module')
def shared(checkpoint):
    return build_tiny_wesam(checkpoint)


@pytest.fixture()
def ema(checkpoint):
    return build_tiny_wesam(checkpoint, ema_teacher=True, loss_anchor=None,
                            loss_contrast=None)


def runner(model, iteration=0):
    return SimpleNamespace(model=model, iter=iteration)


def test_shared_weights_pass_and_reject_momentum(shared):
    assert shared.teacher is shared.student
    TeacherUpdateHook(momentum=None).before_train(runner(shared))
    with pytest.raises(RuntimeError, match='ema_teacher=True'):
        TeacherUpdateHook(momentum=0.1).before_train(runner(shared))
    # nothing to update with shared weights
    before = {k: v.clone() for k, v in shared.state_dict().items()}
    TeacherUpdateHook(momentum=None).after_train_iter(runner(shared), 0)
    assert all(torch.equal(before[k], v) for k, v in shared.state_dict().items())


def test_ema_teacher_needs_momentum(ema):
    assert ema.teacher is not ema.student
    teacher = dict(ema.teacher.named_parameters())
    student = dict(ema.student.named_parameters())
    assert teacher.keys() == student.keys()
    assert all(teacher[n] is not student[n] for n in student)
    assert not any(p.requires_grad for p in teacher.values())
    # it starts as the student (the source weights)
    assert all(torch.equal(teacher[n], student[n]) for n in student)
    with pytest.raises(RuntimeError, match='share weights'):
        TeacherUpdateHook(momentum=None).before_train(runner(ema))
    hook = HOOKS.build(dict(type='TeacherUpdateHook', momentum=0.25))
    hook.before_train(runner(ema))  # passes


def test_ema_update_math(ema):
    trained = {n for n, p in ema.student.named_parameters() if p.requires_grad}
    assert trained and all('.lora_' in n for n in trained)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # as after some training: the trained parameters differ
        for name in sorted(trained):
            ema.student.get_parameter(name).copy_(
                torch.randn(ema.student.get_parameter(name).shape, generator=gen))
            ema.teacher.get_parameter(name).copy_(
                torch.randn(ema.teacher.get_parameter(name).shape, generator=gen))
        # a buffer of the student differs too: buffers are copied, not averaged
        ema.student.head.prompt_encoder.pe_layer.positional_encoding_gaussian_matrix.mul_(2)
    teacher0 = {n: p.clone() for n, p in ema.teacher.named_parameters()}
    student = {n: p.clone() for n, p in ema.student.named_parameters()}

    momentum = 0.25
    hook = TeacherUpdateHook(momentum=momentum, interval=2)
    hook.after_train_iter(runner(ema, iteration=0), 0)  # (0 + 1) % 2: not yet
    for name, param in ema.teacher.named_parameters():
        assert torch.equal(param, teacher0[name])
    hook.after_train_iter(runner(ema, iteration=1), 1)
    for name, param in ema.teacher.named_parameters():
        assert torch.equal(ema.student.get_parameter(name), student[name])  # untouched
        if name in trained:
            expected = 0.75 * teacher0[name].double() + 0.25 * student[name].double()
            torch.testing.assert_close(param.double(), expected, rtol=1e-6, atol=1e-6)
        else:  # frozen: the source weights, bit for bit
            assert torch.equal(param, teacher0[name]) and torch.equal(param, student[name])
    lora_b = 'backbone.blocks.0.attn.qkv.lora_B_q'
    # one element by hand
    t0, s0 = teacher0[lora_b][0, 0].item(), student[lora_b][0, 0].item()
    assert ema.teacher.get_parameter(lora_b)[0, 0].item() == pytest.approx(
        (1 - momentum) * t0 + momentum * s0, rel=1e-6)
    for name, buffer in ema.teacher.named_buffers():
        assert torch.equal(buffer, ema.student.get_buffer(name)), name

    # many small steps leave the frozen weights exact; momentum 1 copies the student
    for iteration in range(2, 12):
        TeacherUpdateHook(momentum=0.01).after_train_iter(runner(ema, iteration), iteration)
    for name, param in ema.teacher.named_parameters():
        if name not in trained:
            assert torch.equal(param, student[name]), name
    TeacherUpdateHook(momentum=1.0).after_train_iter(runner(ema, iteration=12), 12)
    for name, param in ema.teacher.named_parameters():
        assert torch.equal(param, student[name]), name


def test_invalid_momentum_and_model():
    for momentum in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match='momentum'):
            TeacherUpdateHook(momentum=momentum)
    with pytest.raises(TypeError, match='teacher and a student'):
        TeacherUpdateHook().before_train(runner(torch.nn.Linear(2, 2)))
