"""Diagnostic models of the synthetic benchmark: research probes, not methods for users.

They are registered in mmwesam's ``MODELS`` registry only when this module is imported
(the diagnostic configs do it with ``custom_imports``), so the installed package exports
none of them.
"""
from mmwesam.models.segmentors import SelfTrainingTeacher
from mmwesam.models.segmentors.sam import PROMPT_TYPES
from mmwesam.registry import MODELS


@MODELS.register_module()
class CrossPromptAnchorSelfTraining(SelfTrainingTeacher):
    """DIAGNOSTIC, not a method for users: WeSAM whose anchor decodes with a different
    prompt kind than the teacher and student (e.g. box-prompted source masks as anchor
    targets while the adapted model sees points).

    It asks whether the *quality* of the anchor's targets is what the anchor costs
    (with points the frozen model's masks are worse than with boxes; swapping only the
    anchor's prompts changes nothing else). Measured answer: no, the other prompt kind
    helps in both directions (docs/notes/diag_anchor_targets_p4_val.md). It uses a prompt
    kind the weak labels of the setting may not provide (boxes where only points are
    given), so its scores are not comparable with the methods'; the anchor's masks also
    pool the anchor's instance features for the contrastive term.

    Args:
        anchor_prompt_type: a key of ``PROMPT_TYPES`` for the anchor's decode.
        **kwargs: :class:`SelfTrainingTeacher`'s arguments.
    """

    def __init__(self, anchor_prompt_type: str, **kwargs) -> None:
        if anchor_prompt_type not in PROMPT_TYPES:
            raise ValueError(f'anchor_prompt_type {anchor_prompt_type!r} is not a prompt '
                             f'kind; known: {sorted(PROMPT_TYPES)}')
        if kwargs.get('prompt_generator') is not None:
            raise ValueError('anchor_prompt_type needs the weak labels\' prompts; a '
                             'prompt_generator replaces them')
        super().__init__(**kwargs)
        self.anchor_prompt_type = anchor_prompt_type

    def anchor_prompts(self, samples, prompts):
        return [self.segmentor.get_prompts(s, self.anchor_prompt_type)
                if p is not None else None for s, p in zip(samples, prompts)]
