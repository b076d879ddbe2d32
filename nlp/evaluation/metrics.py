"""Classification and agreement metrics for multi-label binary matrices.

Pure functions: binary arrays ``Y_true``/``Y_pred`` of shape (n_docs, n_labels) in codebook order
in, numbers out. Two routes compute the same quantities:

* point estimates use scikit-learn (``labels=`` and ``zero_division=0`` explicit) and the
  ``krippendorff`` package, so they match what reviewers can recompute with standard tools;
* :func:`counts` / :func:`scores_from_counts` compute everything from confusion counts with
  broadcasting, which is what lets :mod:`nlp.evaluation.bootstrap` score 1000 replicates at once.
  Tests check that both routes agree, including for a one-label codebook (see :func:`as_multilabel`).

Edge cases (pinned by tests)
----------------------------
Cohen's kappa
    ``kappa = (p_o - p_e) / (1 - p_e)``. When ``p_e == 1`` (both raters used one and the same value
    for every document: a label never present in either, or present in every document of both)
    kappa is 0/0, *undefined*: reported as NaN (``null`` in JSON). Perfect agreement with some
    variation gives 1.0; complete disagreement on a balanced label gives -1.0.
Krippendorff's alpha (nominal, two coders, no missing values)
    ``alpha = 1 - D_o / D_e``. With no variation at all (every value identical) ``D_e = 0`` and alpha
    is undefined; the ``krippendorff`` package raises ``ValueError`` there and we report NaN. With
    variation and no disagreement alpha is 1.0. Overall alpha pools all (document, label) pairs
    as units of one binary variable.
Precision / recall / F1
    0 when undefined (no predicted / no true positives), as scikit-learn's ``zero_division=0``
    (bootstrap intervals leave such resamples out instead, see :mod:`nlp.evaluation.bootstrap`).
    A one-label codebook is scored as the label, not as the class "label absent"
    (:func:`as_multilabel`).
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

__all__ = [
    "check_binary", "per_label_metrics", "overall_metrics", "cohen_kappa", "krippendorff_alpha",
    "binary_measure", "silk_road_confusion", "cohen_kappa_nominal", "evaluate_arrays", "counts", "scores_from_counts",
    "as_multilabel", "SILK_ROAD_ORDER",
]

#: Row/column order of the Silk Road confusion matrix.
SILK_ROAD_ORDER = ("health", "digital", "general", "none")


def check_binary(Y: np.ndarray, name: str = "Y", n_labels: int | None = None) -> np.ndarray:
    """Validate a binary matrix and return it as int8 of shape (n_docs, n_labels).

    Raises ``ValueError`` naming the argument when the shape or the values are wrong.
    """
    Y = np.asarray(Y)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (n_docs, n_labels) binary matrix, got shape {Y.shape}")
    if n_labels is not None and Y.shape[1] != n_labels:
        raise ValueError(f"{name} has {Y.shape[1]} label columns, expected {n_labels} (codebook order)")
    if Y.size and not np.isin(Y, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0/1 values")
    return Y.astype(np.int8)


def as_multilabel(Y_true: np.ndarray, Y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Matrices scikit-learn reads as multilabel indicators, for its ``labels=range(n_labels)`` calls.

    scikit-learn takes an (n, 1) matrix for one binary target whose classes are 0 and 1, so
    ``labels=[0]`` would score the class "label absent". With one label column an all-zero column
    is appended (never selected by ``labels``); two or more columns are returned unchanged.
    """
    Y_true, Y_pred = np.asarray(Y_true), np.asarray(Y_pred)
    if Y_true.ndim == Y_pred.ndim == 2 and Y_true.shape[1] == Y_pred.shape[1] == 1:
        Y_true = np.hstack([Y_true, np.zeros_like(Y_true)])
        Y_pred = np.hstack([Y_pred, np.zeros_like(Y_pred)])
    return Y_true, Y_pred


# ---- count-based (vectorised) route ------------------------------------------------------------
def counts(Y_true: np.ndarray, Y_pred: np.ndarray, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Confusion counts per label, optionally for many document weightings at once.

    Parameters
    ----------
    Y_true, Y_pred : array (n_docs, n_labels) of 0/1
    weights : array (n_rep, n_docs), optional
        How many times each document counts in each replicate (bootstrap resampling counts).

    Returns
    -------
    dict with ``tp``, ``fp``, ``fn``, ``tn`` of shape (n_labels,) — or (n_rep, n_labels) with
    ``weights`` — plus ``exact`` (documents with all labels right) and ``n`` (documents), shaped
    () or (n_rep,).
    """
    T = np.asarray(Y_true, dtype=np.float64)
    Pd = np.asarray(Y_pred, dtype=np.float64)
    parts = {"tp": T * Pd, "fp": (1 - T) * Pd, "fn": T * (1 - Pd)}
    exact = (T == Pd).all(axis=1).astype(np.float64)
    if weights is None:
        out = {k: v.sum(axis=0) for k, v in parts.items()}
        out["n"] = np.asarray(float(len(T)))
        out["exact"] = np.asarray(exact.sum())
    else:
        W = np.asarray(weights, dtype=np.float64)
        out = {k: W @ v for k, v in parts.items()}
        out["n"] = W.sum(axis=1)
        out["exact"] = W @ exact
    out["tn"] = out["n"][..., None] - out["tp"] - out["fp"] - out["fn"]
    return out


def _div(a: np.ndarray, b: np.ndarray, undefined: float = 0.0) -> np.ndarray:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    out = np.full(a.shape, undefined, dtype=float)
    np.divide(a, b, out=out, where=b != 0)
    return out


def scores_from_counts(c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All scores from :func:`counts`; per-label entries keep the label axis last.

    Returns ``precision``, ``recall``, ``f1``, ``kappa``, ``alpha`` (per label) and ``micro_f1``,
    ``macro_f1``, ``weighted_f1``, ``micro_precision``, ``micro_recall``, ``subset_accuracy``,
    ``hamming_loss``, ``alpha_overall`` (per replicate). Undefined kappa/alpha are NaN.
    """
    tp, fp, fn, tn, n = c["tp"], c["fp"], c["fn"], c["tn"], c["n"]
    n_l = n[..., None]
    precision = _div(tp, tp + fp)
    recall = _div(tp, tp + fn)
    f1 = _div(2 * tp, 2 * tp + fp + fn)
    support = tp + fn
    # Cohen's kappa from the 2x2 table
    po = _div(tp + tn, n_l)
    pe = _div((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn), n_l ** 2)
    kappa = _div(po - pe, 1 - pe, undefined=np.nan)
    kappa = np.where(np.isclose(pe, 1.0), np.nan, kappa)
    alpha = _alpha_from_counts(tp, fp, fn, tn)
    TP, FP, FN = tp.sum(-1), fp.sum(-1), fn.sum(-1)
    n_lab = tp.shape[-1]
    out = {
        "precision": precision, "recall": recall, "f1": f1, "kappa": kappa, "alpha": alpha,
        "micro_precision": _div(TP, TP + FP), "micro_recall": _div(TP, TP + FN),
        "micro_f1": _div(2 * TP, 2 * TP + FP + FN),
        "macro_f1": f1.mean(-1),
        "weighted_f1": _div((f1 * support).sum(-1), support.sum(-1)),
        "subset_accuracy": _div(c["exact"], n),
        "hamming_loss": _div(FP + FN, n * n_lab),
        "alpha_overall": _alpha_from_counts(TP, FP, FN, tn.sum(-1)),
    }
    return out


def _alpha_from_counts(tp, fp, fn, tn) -> np.ndarray:
    """Nominal Krippendorff's alpha for two coders and binary values from a 2x2 table.

    Closed form of the coincidence-matrix definition: with ``m`` units, ``d`` disagreements and
    ``n0``/``n1`` pairable values of 0/1 (``n0 + n1 = 2m``),
    ``alpha = 1 - (2m - 1) * d / (n0 * n1)``; NaN when ``n0 * n1 == 0`` (no variation).
    """
    tp, fp, fn, tn = (np.asarray(x, dtype=float) for x in (tp, fp, fn, tn))
    m = tp + fp + fn + tn
    d = fp + fn
    n1 = 2 * tp + fp + fn
    n0 = 2 * tn + fp + fn
    return 1 - _div((2 * m - 1) * d, n0 * n1, undefined=np.nan)


# ---- point estimates with the standard libraries -------------------------------------------------
def cohen_kappa(a: Sequence[int], b: Sequence[int]) -> float:
    """Cohen's kappa between two binary vectors; NaN when undefined (see module docstring)."""
    from sklearn.metrics import cohen_kappa_score

    a, b = np.asarray(a).astype(int), np.asarray(b).astype(int)
    if len(a) == 0:
        return float("nan")
    if len(np.unique(np.concatenate([a, b]))) < 2:
        return float("nan")  # p_e == 1: undefined
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(a, b, labels=[0, 1]))


def krippendorff_alpha(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """Nominal Krippendorff's alpha of two codings (vectors, or matrices pooled as units).

    Uses the ``krippendorff`` package; NaN where it reports the value undefined (one value only).
    """
    import krippendorff

    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.size == 0:
        return float("nan")
    try:
        return float(krippendorff.alpha(reliability_data=np.vstack([a, b]), level_of_measurement="nominal"))
    except ValueError:  # "There has to be more than one value in the domain."
        return float("nan")


def per_label_metrics(Y_true: np.ndarray, Y_pred: np.ndarray, label_ids: Sequence[str]) -> list[dict]:
    """Precision, recall, F1, support, predicted count, kappa and alpha for every label.

    Returns one dict per label, in ``label_ids`` order.
    """
    from sklearn.metrics import precision_recall_fscore_support

    L = len(label_ids)
    Y_true = check_binary(Y_true, "Y_true", L)
    Y_pred = check_binary(Y_pred, "Y_pred", L)
    if len(Y_true) != len(Y_pred):
        raise ValueError(f"Y_true has {len(Y_true)} rows but Y_pred has {len(Y_pred)}")
    p, r, f, s = precision_recall_fscore_support(*as_multilabel(Y_true, Y_pred), labels=list(range(L)),
                                                 average=None, zero_division=0)
    rows = []
    for j, lid in enumerate(label_ids):
        rows.append({
            "label": lid, "precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]),
            "support": int(s[j]), "predicted": int(Y_pred[:, j].sum()),
            "kappa": cohen_kappa(Y_true[:, j], Y_pred[:, j]),
            "alpha": krippendorff_alpha(Y_true[:, j], Y_pred[:, j]),
        })
    return rows


def overall_metrics(Y_true: np.ndarray, Y_pred: np.ndarray) -> dict:
    """Micro/macro/weighted F1, micro precision/recall, subset accuracy, Hamming loss, pooled alpha."""
    from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_score, recall_score

    Y_true = check_binary(Y_true, "Y_true")
    Y_pred = check_binary(Y_pred, "Y_pred", Y_true.shape[1])
    labels = list(range(Y_true.shape[1]))
    kw = {"labels": labels, "zero_division": 0}
    Tm, Pm = as_multilabel(Y_true, Y_pred)
    return {
        "n_docs": int(len(Y_true)),
        "micro_precision": float(precision_score(Tm, Pm, average="micro", **kw)),
        "micro_recall": float(recall_score(Tm, Pm, average="micro", **kw)),
        "micro_f1": float(f1_score(Tm, Pm, average="micro", **kw)),
        "macro_f1": float(f1_score(Tm, Pm, average="macro", **kw)),
        "weighted_f1": float(f1_score(Tm, Pm, average="weighted", **kw)),
        "subset_accuracy": float(accuracy_score(Y_true, Y_pred)) if len(Y_true) else 0.0,
        "hamming_loss": float(hamming_loss(Y_true, Y_pred)) if len(Y_true) else 0.0,
        "alpha_overall": krippendorff_alpha(Y_true, Y_pred),
    }


def binary_measure(y_true: Sequence[int], y_pred: Sequence[int]) -> dict:
    """Scores of one derived binary variable (e.g. the storytelling flag)."""
    from sklearn.metrics import precision_recall_fscore_support

    t = np.asarray(y_true).astype(int).ravel()
    p = np.asarray(y_pred).astype(int).ravel()
    pr, rc, f, s = precision_recall_fscore_support(t, p, labels=[1], average=None, zero_division=0)
    return {
        "precision": float(pr[0]), "recall": float(rc[0]), "f1": float(f[0]), "support": int(s[0]),
        "predicted": int(p.sum()), "accuracy": float((t == p).mean()) if len(t) else 0.0,
        "prevalence_true": float(t.mean()) if len(t) else 0.0,
        "prevalence_pred": float(p.mean()) if len(p) else 0.0,
        "kappa": cohen_kappa(t, p), "alpha": krippendorff_alpha(t, p),
    }


def silk_road_confusion(cat_true: Sequence[str], cat_pred: Sequence[str]) -> dict:
    """4×4 confusion matrix of the Silk Road category (rows: gold, columns: predicted).

    Category order is :data:`SILK_ROAD_ORDER` (health, digital, general, none).
    """
    from sklearn.metrics import confusion_matrix

    t, p = list(cat_true), list(cat_pred)
    order = list(SILK_ROAD_ORDER)
    bad = sorted({c for c in t + p if c not in order})
    if bad:
        raise ValueError(f"unknown Silk Road categories {bad}; expected {order}")
    if not t:
        cm = np.zeros((4, 4), dtype=int)
    else:
        cm = confusion_matrix(t, p, labels=order)
    acc = float(np.trace(cm) / cm.sum()) if cm.sum() else 0.0
    return {"categories": order, "matrix": cm.astype(int).tolist(), "accuracy": acc,
            "kappa": cohen_kappa_nominal(t, p)}


def cohen_kappa_nominal(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa for nominal categories (NaN when undefined: a single category throughout)."""
    from sklearn.metrics import cohen_kappa_score

    if not len(a) or len(set(a) | set(b)) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(list(a), list(b), labels=list(SILK_ROAD_ORDER)))


def evaluate_arrays(Y_true: np.ndarray, Y_pred: np.ndarray, codebook) -> dict:
    """Every point metric of a prediction matrix against gold, using the codebook's label order.

    Returns ``{"per_label": [...], "overall": {...}, "storytelling": {...}, "silk_road": {...}}``.
    """
    L = codebook.n_labels
    Y_true = check_binary(Y_true, "Y_true", L)
    Y_pred = check_binary(Y_pred, "Y_pred", L)
    return {
        "per_label": per_label_metrics(Y_true, Y_pred, codebook.label_ids),
        "overall": overall_metrics(Y_true, Y_pred),
        "storytelling": binary_measure(codebook.storytelling_flag(Y_true), codebook.storytelling_flag(Y_pred)),
        "silk_road": silk_road_confusion(codebook.silk_road_category(Y_true), codebook.silk_road_category(Y_pred)),
    }
