"""Silkframe: bilingual (Chinese/English) narrative classifier for official texts.

``import nlp`` stays light: heavy libraries (torch, transformers, datasets, matplotlib,
scikit-learn) are imported inside the functions that need them.
"""
from nlp.codebook import Codebook, CodebookError, load_codebook

__version__ = "0.1.0"
__all__ = ["Codebook", "CodebookError", "load_codebook", "__version__"]
