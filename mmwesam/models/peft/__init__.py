from .lora import LoRALinear, inject_lora, lora_modules, parse_lora_target

__all__ = ['LoRALinear', 'inject_lora', 'lora_modules', 'parse_lora_target']
