"""Classifier families behind one contract (``fit``, ``predict_proba``, ``predict``, ``save``, ``load``).

Families are imported lazily so that ``import nlp.classifiers`` stays light and the transformer
family's torch import happens only when it is used.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from nlp.classifiers.base import ModelError, TextClassifier, as_texts, read_config

__all__ = ["FAMILIES", "get_family", "load_model", "ModelError", "TextClassifier", "as_texts"]

#: family name → "module:Class"
FAMILIES = {
    "lexicon": "nlp.classifiers.lexicon:LexiconClassifier",
    "linear": "nlp.classifiers.linear:LinearClassifier",
    "transformer": "nlp.classifiers.transformer:TransformerClassifier",
    "nli": "nlp.classifiers.nli:NLIClassifier",
}


def get_family(name: str) -> type[TextClassifier]:
    """The classifier class of a family name (``lexicon``, ``linear``, ``transformer``, ``nli``)."""
    try:
        target = FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; choose one of {sorted(FAMILIES)}") from None
    mod_name, cls_name = target.split(":")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise ImportError(f"model family {name!r} needs extra packages ({e}); "
                          f"install with: pip install 'silkframe[transformer]'") from e
    return getattr(mod, cls_name)


def load_model(path: str | Path, *, codebook=None) -> TextClassifier:
    """Load any Silkframe model folder (the family is read from its ``config.json``)."""
    cfg = read_config(path)
    fam = cfg["family"]
    if fam not in FAMILIES:
        raise ModelError(f"{path}: unknown model family {fam!r} in config.json; known: {sorted(FAMILIES)}")
    return get_family(fam).load(path, codebook=codebook)
