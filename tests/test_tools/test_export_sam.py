"""An adapted (LoRA) model exports to a checkpoint segment_anything loads strictly."""
import numpy as np
import torch

from mmwesam.apis import inference_sam, init_model
from mmwesam.models.peft import lora_modules
from helpers import TINY_CONFIG, TINY_ENCODER, TINY_HEAD, build_official_sam, smooth_image
from tools.model_converters.export_sam import export


def test_export_merges_lora_and_matches_segment_anything(tmp_path):
    source = tmp_path / 'source.pth'
    torch.save(build_official_sam(TINY_ENCODER, TINY_HEAD).state_dict(), source)
    model = init_model(TINY_CONFIG, str(source))
    # an "adapted" model: non-zero low-rank updates
    torch.manual_seed(3)
    with torch.no_grad():
        for layer in lora_modules(model.backbone):
            for name in layer.slices:
                getattr(layer, f'lora_B_{name}').normal_(0, 0.05)
    adapted = tmp_path / 'adapted.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), adapted)

    out = tmp_path / 'exported.pth'
    export(TINY_CONFIG, str(adapted), str(out))
    state = torch.load(out)
    assert not any('lora' in key for key in state)

    reference = build_official_sam(TINY_ENCODER, TINY_HEAD, seed=99)
    reference.load_state_dict(state, strict=True)
    image = smooth_image(70, 100, seed=4)
    boxes = np.array([[5, 5, 60, 50], [30, 20, 95, 68]], np.float32)
    ours = inference_sam(model, image, boxes=boxes)

    # segment_anything's own forward on the exported weights
    from helpers import sam_resize
    resized = sam_resize(image, 128)
    scale = np.array([resized.shape[1] / 100, resized.shape[0] / 70] * 2, np.float32)
    with torch.no_grad():
        theirs = reference([dict(image=torch.from_numpy(resized).permute(2, 0, 1).float(),
                                 original_size=(70, 100),
                                 boxes=torch.from_numpy(boxes * scale))],
                           multimask_output=False)[0]
    theirs_masks = theirs['masks'][:, 0].numpy()
    agreement = (ours.masks == theirs_masks).mean()
    assert agreement > 0.999, agreement
    # and the LoRA update really changed the model (the export is not the source)
    source_model = init_model(TINY_CONFIG, str(source))
    assert not np.array_equal(inference_sam(source_model, image, boxes=boxes).masks,
                              ours.masks) or not np.allclose(
        inference_sam(source_model, image, boxes=boxes).scores, ours.scores)
