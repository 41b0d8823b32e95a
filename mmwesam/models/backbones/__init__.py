from .lora_vit import LoRALinear, LoRAViT, lora_modules

__all__ = ['LoRALinear', 'LoRAViT', 'lora_modules']
