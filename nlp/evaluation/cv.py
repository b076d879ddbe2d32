"""Cross-validated predictions and learning curves for any classifier family.

Folds are multi-label aware (:mod:`nlp.folds`): each document is stratified on its *rarest*
positive label (or "none"), so that rare labels such as ``anti_overreaction`` appear in every
fold. With ``groups`` (e.g. source and date of a press conference, so its Chinese and English
versions stay together) each group stays in a single fold (``StratifiedGroupKFold``).

``make_model()`` must return an unfitted classifier following the Silkframe contract:
``fit(docs, Y)``, ``predict_proba(docs)`` (n_docs, n_labels) and ``predict(docs)`` (0/1, using the
model's own thresholds).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["make_folds", "cross_val_predict_proba", "learning_curve"]


def make_folds(Y: np.ndarray, k: int = 5, seed: int = 0, groups: Sequence | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train_idx, test_idx) pairs from :func:`nlp.folds.multilabel_folds`, after checking inputs.

    Raises ``ValueError`` saying what to change when there are too few documents or groups.
    """
    import warnings

    from nlp.folds import multilabel_folds

    Y = np.asarray(Y)
    n = len(Y)
    if k < 2:
        raise ValueError(f"cross-validation needs k >= 2 folds, got {k}")
    if n < k:
        raise ValueError(f"cannot make {k} folds from {n} documents; lower --cv")
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries for {n} documents")
        if len(np.unique(groups)) < k:
            raise ValueError(f"only {len(np.unique(groups))} document groups for {k} folds; lower --cv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has only ... members"
        return list(multilabel_folds(Y, k=k, seed=seed, groups=groups))


def _take(docs: Sequence[Any], idx: np.ndarray) -> list:
    return [docs[i] for i in idx]


def cross_val_predict_proba(make_model: Callable[[], Any], docs: Sequence[Any], Y: np.ndarray, *, k: int = 5,
                            seed: int = 0, groups: Sequence | None = None,
                            sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities and binary predictions for every document.

    ``sample_weight`` (n_docs,), when given, is passed to ``fit`` for the training part of each fold.

    Returns
    -------
    P : float array (n_docs, n_labels) from each fold model's ``predict_proba``
    Y_pred : int8 array (n_docs, n_labels) from each fold model's own ``predict`` (its thresholds)
    """
    Y = np.asarray(Y)
    if len(docs) != len(Y):
        raise ValueError(f"{len(docs)} documents but {len(Y)} label rows")
    P = np.full(Y.shape, np.nan, dtype=float)
    Y_pred = np.zeros(Y.shape, dtype=np.int8)
    for train, test in make_folds(Y, k, seed, groups):
        model = make_model()
        kw = {"sample_weight": np.asarray(sample_weight)[train]} if sample_weight is not None else {}
        model.fit(_take(docs, train), Y[train], **kw)
        test_docs = _take(docs, test)
        P[test] = np.asarray(model.predict_proba(test_docs), dtype=float)
        Y_pred[test] = np.asarray(model.predict(test_docs)).astype(np.int8)
    return P, Y_pred


def learning_curve(make_model: Callable[[], Any], docs: Sequence[Any], Y: np.ndarray, *,
                   fractions: Sequence[float] = (0.2, 0.4, 0.6, 0.8, 1.0), k: int = 5, seed: int = 0,
                   groups: Sequence | None = None) -> dict:
    """Macro-F1 against training-set size by cross-validation.

    For each fold and fraction, a model is trained on a random subset (fixed seed) of the fold's
    training documents and scored on the full held-out fold.

    Returns ``{"fractions", "n_train" (mean per fraction), "macro_f1_mean", "macro_f1_std", "macro_f1_folds"}``.
    """
    from sklearn.metrics import f1_score

    from nlp.evaluation.metrics import as_multilabel

    Y = np.asarray(Y)
    L = Y.shape[1]
    rng = np.random.default_rng(seed)
    folds = make_folds(Y, k, seed, groups)
    scores = np.zeros((len(fractions), len(folds)))
    sizes = np.zeros((len(fractions), len(folds)))
    for f_i, (train, test) in enumerate(folds):
        order = rng.permutation(train)
        for s_i, frac in enumerate(fractions):
            if not 0 < frac <= 1:
                raise ValueError(f"training fractions must lie in (0, 1], got {frac}")
            sub = np.sort(order[: max(1, int(round(frac * len(train))))])
            model = make_model()
            model.fit(_take(docs, sub), Y[sub])
            pred = np.asarray(model.predict(_take(docs, test)))
            scores[s_i, f_i] = f1_score(*as_multilabel(Y[test], pred), labels=list(range(L)), average="macro",
                                        zero_division=0)  # as_multilabel: a one-label codebook scores the label
            sizes[s_i, f_i] = len(sub)
    return {"fractions": [float(f) for f in fractions], "n_train": sizes.mean(1).tolist(),
            "macro_f1_mean": scores.mean(1).tolist(), "macro_f1_std": scores.std(1).tolist(),
            "macro_f1_folds": scores.tolist(), "k": int(k), "seed": int(seed)}
