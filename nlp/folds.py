"""Multi-label-aware k-fold splits.

Each document is stratified on its rarest positive label (or "none"), so rare labels such as
anti-overreaction and DSR appear in every fold. Optional ``groups`` keep related documents (e.g.
the Chinese and English versions of one press conference) in the same fold.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

__all__ = ["multilabel_folds", "stratification_key"]


def stratification_key(Y: np.ndarray) -> np.ndarray:
    """Per-document key: index of its rarest positive label, or -1 for no labels."""
    Y = np.asarray(Y) > 0
    prevalence = Y.sum(axis=0)
    key = np.full(len(Y), -1)
    for i, row in enumerate(Y):
        if row.any():
            cols = np.flatnonzero(row)
            key[i] = cols[np.argmin(prevalence[cols])]
    return key


def multilabel_folds(Y: np.ndarray, *, k: int = 5, seed: int = 0,
                     groups: Sequence | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(train_idx, test_idx)`` for ``k`` folds stratified on :func:`stratification_key`."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    Y = np.asarray(Y)
    key = stratification_key(Y)
    # classes with fewer than k members cannot be stratified: merge them into "none"
    vals, counts = np.unique(key, return_counts=True)
    rare = set(vals[counts < k].tolist())
    key = np.array([-1 if v in rare else v for v in key])
    if groups is not None:
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        yield from splitter.split(np.zeros(len(Y)), key, groups=np.asarray(groups))
    else:
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        yield from splitter.split(np.zeros(len(Y)), key)
