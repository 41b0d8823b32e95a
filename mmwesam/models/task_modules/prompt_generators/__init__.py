from .grid_prompt_generator import GridPromptGenerator

__all__ = ['GridPromptGenerator']
