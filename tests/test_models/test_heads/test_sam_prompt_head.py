"""SAMPromptHead: every prompt kind, any number of prompts, chunking changes nothing."""
import pytest
import torch

from mmwesam.models.heads import SAMPromptHead

# the head of configs/_base_/models/sam_tiny.py: 64-wide, 16 x 16 grid, 128 px input
TINY = dict(embed_dim=64, image_embedding_size=16, input_image_size=128,
            transformer=dict(depth=2, mlp_dim=256, num_heads=4), iou_head_hidden_dim=64)


def _head(chunk=64, seed=0):
    torch.manual_seed(seed)
    head = SAMPromptHead(prompt_chunk_size=chunk, **TINY).eval()
    with torch.no_grad():  # non-trivial biases / norms, as a trained head has
        for param in head.parameters():
            if param.dim() == 1:
                param.add_(torch.randn_like(param) * 0.1)
    return head


@pytest.fixture(scope='module')
def head():
    return _head()


def _run(head, chunk, *args, **kwargs):
    """Decode with a given chunk size (the same weights)."""
    head.prompt_chunk_size = chunk
    try:
        with torch.no_grad():
            return head(*args, **kwargs)
    finally:
        head.prompt_chunk_size = 64


@pytest.fixture(scope='module')
def inputs():
    g = torch.Generator().manual_seed(1)
    n = 5
    xy = torch.rand(n, 2, generator=g) * 64
    wh = torch.rand(n, 2, generator=g) * 60 + 4
    return dict(
        embedding=torch.randn(1, 64, 16, 16, generator=g),
        boxes=torch.cat([xy, xy + wh], 1),
        points=torch.rand(n, 3, 2, generator=g) * 128,
        point_labels=torch.tensor([[1, 0, 1]] * n),
        mask_prompts=(torch.rand(n, 1, 64, 64, generator=g) > 0.5).float() * 40 - 20)


@pytest.mark.parametrize('kind', ['boxes', 'points', 'mask_prompts', 'all'])
def test_prompt_kinds_shapes_and_chunking(head, inputs, kind):
    keys = {'boxes': ['boxes'], 'points': ['points', 'point_labels'],
            'mask_prompts': ['mask_prompts'],
            'all': ['boxes', 'points', 'point_labels', 'mask_prompts']}[kind]
    prompts = {k: inputs[k] for k in keys}
    logits, iou = _run(head, 64, inputs['embedding'], **prompts)
    chunked_logits, chunked_iou = _run(head, 2, inputs['embedding'][0], **prompts)
    assert logits.shape == (5, 1, 64, 64) and iou.shape == (5, 1)
    assert head.low_res_size == 64
    torch.testing.assert_close(chunked_logits, logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(chunked_iou, iou, atol=1e-5, rtol=1e-5)
    # each prompt is decoded on its own: one prompt alone gives its row of the batch
    alone, alone_iou = _run(head, 64, inputs['embedding'],
                            **{k: v[3:4] for k, v in prompts.items()})
    torch.testing.assert_close(alone, logits[3:4], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(alone_iou, iou[3:4], atol=1e-5, rtol=1e-5)
    # different prompts give different masks (the prompts reach the decoder)
    assert (logits[0] - logits[1]).abs().max() > 1e-3


def test_same_as_prompt_encoder_and_decoder_called_directly(head, inputs):
    with torch.no_grad():
        logits, iou = head(inputs['embedding'], boxes=inputs['boxes'],
                           points=inputs['points'], point_labels=inputs['point_labels'])
        sparse, dense = head.prompt_encoder(
            points=(inputs['points'], inputs['point_labels']), boxes=inputs['boxes'],
            masks=None)
        expected, expected_iou = head.mask_decoder(
            image_embeddings=inputs['embedding'],
            image_pe=head.prompt_encoder.get_dense_pe(), sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense, multimask_output=False)
    assert torch.equal(logits, expected) and torch.equal(iou, expected_iou)


def test_multimask_output(head, inputs):
    logits, iou = _run(head, 64, inputs['embedding'], boxes=inputs['boxes'],
                       multimask_output=True)
    chunked, chunked_iou = _run(head, 2, inputs['embedding'], boxes=inputs['boxes'],
                                multimask_output=True)
    single, _ = _run(head, 64, inputs['embedding'], boxes=inputs['boxes'])
    assert logits.shape == (5, 3, 64, 64) and iou.shape == (5, 3)
    torch.testing.assert_close(chunked, logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(chunked_iou, iou, atol=1e-5, rtol=1e-5)
    # the three multimask outputs are not the single-mask output
    assert (logits[:, 0] - single[:, 0]).abs().max() > 1e-4


@pytest.mark.parametrize('multimask, k', [(False, 1), (True, 3)])
def test_zero_prompts(head, inputs, multimask, k):
    logits, iou = _run(head, 2, inputs['embedding'], boxes=torch.zeros(0, 4),
                       multimask_output=multimask)
    point_logits, _ = _run(head, 2, inputs['embedding'], points=torch.zeros(0, 3, 2),
                           point_labels=torch.zeros(0, 3, dtype=torch.long),
                           multimask_output=multimask)
    assert logits.shape == (0, k, 64, 64) and iou.shape == (0, k)
    assert point_logits.shape == (0, k, 64, 64)


def test_gradient_reaches_the_decoder(inputs):
    head = _head(chunk=2)  # its own copy: gradients stay out of the shared head
    logits, iou = head(inputs['embedding'], boxes=inputs['boxes'])
    (logits.mean() + iou.mean()).backward()
    grad = head.mask_decoder.output_upscaling[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_prompt_errors(head, inputs):
    with pytest.raises(ValueError, match='needs boxes, points or mask prompts'):
        head(inputs['embedding'])
    with pytest.raises(ValueError, match='one row per instance'):
        head(inputs['embedding'], boxes=inputs['boxes'][:3], points=inputs['points'],
             point_labels=inputs['point_labels'])


@pytest.mark.parametrize('prompt', ['boxes', 'points'])
def test_checkpointed_chunks_give_identical_outputs_and_gradients(prompt):
    """checkpoint_chunks recomputes each chunk's decoder pass in backward: the same
    logits, IoU and gradients (prompt embeddings, decoder weights, image embedding)."""
    g = torch.Generator().manual_seed(5)
    boxes = torch.rand(5, 2, generator=g) * 60
    boxes = torch.cat([boxes, boxes + 20 + torch.rand(5, 2, generator=g) * 40], 1)
    points = torch.rand(5, 3, 2, generator=g) * 128
    prompts = dict(boxes=boxes) if prompt == 'boxes' else \
        dict(points=points, point_labels=torch.tensor([[1, 0, 1]] * 5))
    results = {}
    for recompute in (False, True):
        head = _head(chunk=2).train()
        head.checkpoint_chunks = recompute
        embedding = torch.randn(64, 16, 16, generator=torch.Generator().manual_seed(2),
                                requires_grad=True)
        logits, iou = head(embedding, **prompts)
        (logits.square().mean() + iou.sum()).backward()
        grads = {n: p.grad.clone() for n, p in head.named_parameters() if p.grad is not None}
        results[recompute] = (logits.detach(), iou.detach(), embedding.grad, grads)
    plain, recomputed = results[False], results[True]
    for a, b in zip(plain[:3], recomputed[:3]):
        assert torch.equal(a, b)
    assert plain[3] and set(plain[3]) == set(recomputed[3])
    for name, grad in plain[3].items():
        assert torch.equal(recomputed[3][name], grad), name
