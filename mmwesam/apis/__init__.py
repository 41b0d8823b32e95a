from .inference import SAMResult, inference_sam, init_model

__all__ = ['SAMResult', 'inference_sam', 'init_model']
