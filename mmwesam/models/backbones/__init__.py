from .lora_vit import LoRAViT

__all__ = ['LoRAViT']
