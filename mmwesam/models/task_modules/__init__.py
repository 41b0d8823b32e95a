from .prompt_generators import GridPromptGenerator

__all__ = ['GridPromptGenerator']
