"""TENT for SAM: minimise the entropy of prompted masks, adapting normalisation layers."""
from typing import Dict, Optional, Sequence

import torch

from mmwesam.registry import MODELS
from .base import FiniteLossModel
from .sam import PromptableSAM, SampleList


@MODELS.register_module()
class EntropyMinimization(FiniteLossModel):
    """TENT (Wang et al., ICLR 2021) as a baseline: no labels, no teacher.

    The loss is the mean binary entropy of the prompted masks of each (unaugmented)
    image.

    Args:
        trainable: parameter-name regexes that adapt, replacing the segmentor's own
            ``trainable``; TENT's choice is the normalisation layers of the encoder.
    """

    def __init__(self, segmentor: dict, data_preprocessor: Optional[dict] = None,
                 loss_entropy: dict = dict(type='BinaryEntropyLoss'),
                 trainable: Optional[Sequence[str]] = (
                     r'^backbone\.blocks\.\d+\.norm[12]\.', ),
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = segmentor.get('data_preprocessor') or \
                dict(type='SAMDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor: PromptableSAM = MODELS.build(segmentor)
        self.segmentor.set_trainable(trainable)
        self.loss_entropy = MODELS.build(loss_entropy)

    def init_weights(self) -> None:
        self.segmentor.init_weights()
        self._is_init = True

    def load_sam_checkpoint(self, filename: str) -> None:
        self.segmentor.load_sam_checkpoint(filename)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> Dict[str, torch.Tensor]:
        seg = self.segmentor
        embeddings = seg.extract_feat(inputs)
        terms = []
        for embedding, sample in zip(embeddings, data_samples):
            if len(sample.gt_instances) == 0:
                continue
            logits, _ = seg.decode(embedding, seg.get_prompts(sample,
                                                              seg.train_prompt_type()))
            terms.append(self.loss_entropy(seg.loss_logits(logits[:, 0], sample)))
        if not terms:
            return dict(loss_entropy=self.zero_loss())
        return dict(loss_entropy=torch.stack(terms).mean())

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> SampleList:
        return self.segmentor.predict(inputs, data_samples)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return self.segmentor._forward(inputs, data_samples)
