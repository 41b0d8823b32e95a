"""SAM's prompt encoder and mask decoder as one head, for any number of prompts."""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch.utils.checkpoint import checkpoint

from mmwesam.registry import MODELS
from mmwesam.utils.sam_import import import_sam_modeling

_sam = import_sam_modeling()


@MODELS.register_module()
class SAMPromptHead(BaseModule):
    """PromptEncoder + MaskDecoder of segment_anything (parameter names unchanged).

    One call decodes all instances of one image: prompts are stacked per instance and
    run through the decoder in chunks of ``prompt_chunk_size`` (the decoder copies the
    image embedding once per prompt, so chunks bound the memory).

    Args:
        embed_dim: prompt/transformer width (256 in SAM).
        image_embedding_size: side of the encoder's output grid (64 in SAM).
        input_image_size: side of the padded encoder input (1024 in SAM).
        prompt_chunk_size: prompts decoded together.
        checkpoint_chunks: in training, recompute each chunk's decoder pass in backward
            (non-reentrant activation checkpointing) instead of keeping its activations:
            the decoder's memory then grows with the chunk, not with the prompts.
            Exact (the same operations).
    """

    def __init__(self, embed_dim: int = 256, image_embedding_size: int = 64,
                 input_image_size: int = 1024, mask_in_chans: int = 16,
                 transformer: dict = dict(depth=2, mlp_dim=2048, num_heads=8),
                 num_multimask_outputs: int = 3, iou_head_depth: int = 3,
                 iou_head_hidden_dim: int = 256, prompt_chunk_size: int = 64,
                 checkpoint_chunks: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.prompt_chunk_size = prompt_chunk_size
        self.checkpoint_chunks = checkpoint_chunks
        self.prompt_encoder = _sam.PromptEncoder(
            embed_dim=embed_dim,
            image_embedding_size=(image_embedding_size, image_embedding_size),
            input_image_size=(input_image_size, input_image_size),
            mask_in_chans=mask_in_chans)
        self.mask_decoder = _sam.MaskDecoder(
            num_multimask_outputs=num_multimask_outputs,
            transformer=_sam.TwoWayTransformer(embedding_dim=embed_dim, **transformer),
            transformer_dim=embed_dim, iou_head_depth=iou_head_depth,
            iou_head_hidden_dim=iou_head_hidden_dim)

    @property
    def low_res_size(self) -> int:
        """Side of the decoder's mask logits (4x the embedding grid)."""
        return 4 * self.prompt_encoder.image_embedding_size[0]

    def _decode_chunk(self, image_embedding: torch.Tensor, image_pe: torch.Tensor,
                      points: Optional[torch.Tensor], point_labels: Optional[torch.Tensor],
                      boxes: Optional[torch.Tensor], mask_prompts: Optional[torch.Tensor],
                      multimask_output: bool) -> Tuple[torch.Tensor, torch.Tensor]:
        sparse, dense = self.prompt_encoder(
            points=(points, point_labels) if points is not None else None,
            boxes=boxes, masks=mask_prompts)
        return self.mask_decoder(
            image_embeddings=image_embedding, image_pe=image_pe,
            sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
            multimask_output=multimask_output)

    def forward(self, image_embedding: torch.Tensor,
                boxes: Optional[torch.Tensor] = None,
                points: Optional[torch.Tensor] = None,
                point_labels: Optional[torch.Tensor] = None,
                mask_prompts: Optional[torch.Tensor] = None,
                multimask_output: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
        """Decode the prompts of one image.

        Args:
            image_embedding: (1, C, h, w) or (C, h, w).
            boxes: (N, 4) xyxy in the padded input frame.
            points: (N, P, 2) xy in the padded input frame; point_labels (N, P).
            mask_prompts: (N, 1, 4h, 4w) logits in the decoder's low-res frame.

        Returns:
            mask logits (N, K, 4h, 4w) and predicted IoU (N, K); K = 1, or the
            decoder's multimask outputs when ``multimask_output``.
        """
        if image_embedding.dim() == 3:
            image_embedding = image_embedding[None]
        given = [p for p in (boxes, points, mask_prompts) if p is not None]
        if not given:
            raise ValueError('SAMPromptHead needs boxes, points or mask prompts')
        num = given[0].shape[0]
        if any(p.shape[0] != num for p in given):
            raise ValueError('every prompt tensor needs one row per instance; got '
                             f'{[tuple(p.shape) for p in given]}')
        image_pe = self.prompt_encoder.get_dense_pe()
        logits, ious = [], []
        chunk = max(1, self.prompt_chunk_size)
        recompute = self.checkpoint_chunks and torch.is_grad_enabled()
        for start in range(0, num, chunk):
            part = slice(start, start + chunk)
            chunk_prompts = (points[part] if points is not None else None,
                             point_labels[part] if points is not None else None,
                             boxes[part] if boxes is not None else None,
                             mask_prompts[part] if mask_prompts is not None else None)
            if recompute:
                chunk_logits, chunk_iou = checkpoint(
                    self._decode_chunk, image_embedding, image_pe, *chunk_prompts,
                    multimask_output, use_reentrant=False)
            else:
                chunk_logits, chunk_iou = self._decode_chunk(
                    image_embedding, image_pe, *chunk_prompts, multimask_output)
            logits.append(chunk_logits)
            ious.append(chunk_iou)
        if num == 0:
            low = self.low_res_size
            k = self.mask_decoder.num_multimask_outputs if multimask_output else 1
            empty = image_embedding.new_zeros((0, k, low, low))
            return empty, image_embedding.new_zeros((0, k))
        return torch.cat(logits), torch.cat(ious)
