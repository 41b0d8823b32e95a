# SAM ViT-B (sam_vit_b_01ec64.pth) with a rank-4 low-rank branch on q and v.
# Get the checkpoint as README.md "Checkpoints" says.
image_size = 1024
model = dict(
    type='PromptableSAM',
    data_preprocessor=dict(type='SAMDataPreprocessor', image_size=image_size),
    backbone=dict(
        type='LoRAViT',
        arch='vit_b',
        img_size=image_size,
        patch_size=16,
        out_chans=256,
        window_size=14,
        lora=dict(rank=4, alpha=None, dropout=0.0,
                  targets=('attn.qkv:q', 'attn.qkv:v'))),
    head=dict(
        type='SAMPromptHead',
        embed_dim=256,
        image_embedding_size=image_size // 16,
        input_image_size=image_size,
        transformer=dict(depth=2, mlp_dim=2048, num_heads=8),
        iou_head_hidden_dim=256,
        # decode 8 prompts at a time and recompute each chunk's decoder pass in
        # backward; with the losses in chunks too, only low-res logits stay in the
        # graph: exact, and 40 prompts per image cost about what 10 do
        # (docs/en/design.md, "Memory")
        prompt_chunk_size=8,
        checkpoint_chunks=True),
    prompt_type='box',
    loss_chunk_size=8,
    trainable=(r'\.lora_', ),
    init_cfg=dict(type='Pretrained', checkpoint='checkpoints/sam_vit_b_01ec64.pth'))
