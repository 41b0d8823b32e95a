from .lora import LoRALinear, inject_lora, lora_modules, mark_only_lora_trainable, parse_lora_target

__all__ = ['LoRALinear', 'inject_lora', 'lora_modules', 'mark_only_lora_trainable',
           'parse_lora_target']
