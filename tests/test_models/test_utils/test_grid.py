"""refine_token_grid: a coarse-grid SAM checkpoint as the start of a finer-grid model."""
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from mmwesam.models.utils import load_sam_state_dict, refine_token_grid
from mmwesam.models.utils.sam_checkpoint import CheckpointMismatchError
from mmwesam.registry import MODELS
from helpers import REPO, TINY_CONFIG, TINY_ENCODER, TINY_HEAD, build_official_sam

FINE_ENCODER = dict(TINY_ENCODER, patch_size=4, window_size=16)
FINE_HEAD = dict(TINY_HEAD, image_embedding_size=32)


@pytest.fixture(scope='module')
def coarse():
    return build_official_sam(TINY_ENCODER, TINY_HEAD, seed=0)


def test_segment_anything_loads_the_refined_weights_strictly(coarse):
    refined = refine_token_grid(coarse.state_dict(), 2)
    fine = build_official_sam(FINE_ENCODER, FINE_HEAD, seed=5)
    fine.load_state_dict(refined, strict=True)
    # grid-free parts are copied unchanged
    for key in ('mask_decoder.output_upscaling.0.weight', 'image_encoder.blocks.1.mlp.lin1.weight',
                'prompt_encoder.pe_layer.positional_encoding_gaussian_matrix'):
        assert torch.equal(refined[key], coarse.state_dict()[key])
    # and the fine model runs at its new resolution: 32 x 32 tokens, 128 x 128 low-res masks
    image = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        embedding = fine.image_encoder(image)
        sparse, dense = fine.prompt_encoder(None, torch.tensor([[[10., 20., 90., 100.]]]), None)
        masks, _ = fine.mask_decoder(embedding, fine.prompt_encoder.get_dense_pe(), sparse,
                                     dense, multimask_output=False)
    assert embedding.shape[-2:] == (32, 32) and masks.shape[-2:] == (128, 128)
    assert torch.isfinite(masks).all()


def test_patch_embedding_equals_coarse_one_on_upsampled_image(coarse):
    refined = refine_token_grid(coarse.state_dict(), 2)
    fine = build_official_sam(FINE_ENCODER, FINE_HEAD, seed=5)
    fine.load_state_dict(refined, strict=True)
    image = torch.randn(2, 3, 128, 128, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ours = fine.image_encoder.patch_embed(image)
        upsampled = F.interpolate(image, scale_factor=2, mode='nearest')
        theirs = coarse.image_encoder.patch_embed(upsampled)
    assert ours.shape == theirs.shape == (2, 32, 32, 128)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)


def test_positions_are_resampled_at_the_same_physical_place():
    g, s, dim = 16, 2, 4
    # a positional embedding linear in x: value at token centre (x + 0.5) * 8 px
    centres = (torch.arange(g) + 0.5) * 8
    pos = centres.view(1, 1, g, 1).expand(1, g, g, dim).clone()
    # a relative-position table whose entry is its offset in pixels (8 px per token)
    table = (torch.arange(2 * 8 - 1) - 7).float()[:, None].repeat(1, 3) * 8
    state = {'image_encoder.patch_embed.proj.weight': torch.randn(dim, 3, 8, 8),
             'image_encoder.pos_embed': pos,
             'image_encoder.blocks.0.attn.rel_pos_h': table,
             'image_encoder.blocks.0.attn.rel_pos_w': table.clone()}
    out = refine_token_grid(state, s)
    fine_centres = (torch.arange(g * s) + 0.5) * 4
    interior = slice(1, g * s - 1)  # the outermost half-token is clamped
    torch.testing.assert_close(out['image_encoder.pos_embed'][0, 5, interior, 0],
                               fine_centres[interior])
    rel = out['image_encoder.blocks.0.attn.rel_pos_h']
    assert rel.shape == (2 * 16 - 1, 3)
    offsets_px = (torch.arange(31) - 15).float() * 4  # 4 px per fine token
    # every offset inside the old range reads the old value at the same distance in px
    torch.testing.assert_close(rel[1:-1, 0], offsets_px[1:-1])
    assert rel[0, 0] == table[0, 0] and rel[-1, 0] == table[-1, 0]  # clamped ends


def test_mmwesam_fine_config_loads_it_and_rejects_the_coarse_one(tmp_path, coarse):
    coarse_file, fine_file = tmp_path / 'coarse.pth', tmp_path / 'fine.pth'
    torch.save(coarse.state_dict(), coarse_file)
    torch.save(refine_token_grid(coarse.state_dict(), 2), fine_file)
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.merge_from_dict(dict(model=dict(backbone=dict(patch_size=4, window_size=16),
                                        head=dict(image_embedding_size=32))))
    model = MODELS.build(cfg.model)
    assert load_sam_state_dict(model, str(fine_file))  # only LoRA factors stay missing
    assert model.head.low_res_size == 128
    with pytest.raises(CheckpointMismatchError, match='pos_embed'):
        load_sam_state_dict(MODELS.build(cfg.model), str(coarse_file))


def test_bad_requests_say_what_is_wrong(coarse):
    state = coarse.state_dict()
    with pytest.raises(ValueError, match='not divisible by 3'):
        refine_token_grid(state, 3)
    with pytest.raises(KeyError, match='image_encoder.pos_embed'):
        refine_token_grid({k: v for k, v in state.items() if 'pos_embed' not in k}, 2)
    assert refine_token_grid(state, 1).keys() == state.keys()


def test_command_writes_the_refined_checkpoint(tmp_path, coarse):
    src, out = tmp_path / 'coarse.pth', tmp_path / 'fine.pth'
    torch.save(coarse.state_dict(), src)
    done = subprocess.run([sys.executable, 'tools/model_converters/refine_sam_grid.py',
                           str(src), str(out), '--factor', '2'], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert 'patch 4, 32 x 32 token grid' in done.stdout
    assert torch.load(out)['image_encoder.pos_embed'].shape == (1, 32, 32, 128)
