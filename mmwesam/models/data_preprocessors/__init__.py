from .sam_preprocessor import SAMDataPreprocessor, resize_longest_side_shape

__all__ = ['SAMDataPreprocessor', 'resize_longest_side_shape']
