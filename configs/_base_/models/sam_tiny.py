# A tiny SAM (the same classes as ViT-B SAM, smaller sizes) for tests and the built-in
# synthetic benchmark: 128 px input, patch 8 (16 x 16 embedding grid), 6 blocks of
# width 128, a 64-wide prompt encoder / mask decoder.
_base_ = ['./sam_vit_b.py']
image_size = 128
model = dict(
    data_preprocessor=dict(image_size=image_size),
    backbone=dict(
        arch=dict(_delete_=True, embed_dim=128, depth=6, num_heads=4,
                  global_attn_indexes=(2, 5)),
        img_size=image_size,
        patch_size=8,
        out_chans=64,
        window_size=8),
    head=dict(
        embed_dim=64,
        image_embedding_size=image_size // 8,
        input_image_size=image_size,
        transformer=dict(depth=2, mlp_dim=256, num_heads=4),
        iou_head_hidden_dim=64,
        prompt_chunk_size=64,
        checkpoint_chunks=False),  # a 64-wide decoder: too small to be worth recomputing
    loss_chunk_size=None,  # 128 px masks: nothing worth recomputing
    init_cfg=None)
