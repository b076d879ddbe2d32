"""Calibration and threshold choice: reliability bins, expected calibration error, F1 vs threshold.

A model whose probability 0.8 is right 80% of the time can have its thresholds chosen knowingly;
these functions give the numbers behind the reliability diagrams and threshold sweeps in reports.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["reliability_bins", "expected_calibration_error", "threshold_sweep", "calibration_report"]

DEFAULT_THRESHOLDS = tuple(np.round(np.arange(0.05, 0.951, 0.05), 2))


def _check(y, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y).astype(int).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"labels ({y.shape[0]}) and probabilities ({p.shape[0]}) differ in length")
    if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1 or np.isnan(p).any()):
        raise ValueError("probabilities must lie in [0, 1] with no NaN")
    return y, p


def reliability_bins(y: Sequence[int], p: Sequence[float], n_bins: int = 10) -> dict:
    """Equal-width probability bins: mean predicted probability, observed positive rate, count.

    Bin ``k`` holds ``edges[k] <= p < edges[k+1]`` (the last bin includes 1.0). Empty bins have
    ``None`` mean and rate. The bin is ``floor(p * n_bins)`` after rounding ``p * n_bins`` to 9
    decimals, so a probability on an edge (0.3, 0.6, 0.7 with 10 bins) starts the bin above it as
    documented; comparing with ``np.linspace`` edges (0.30000000000000004) put it in the bin below.
    """
    y, p = _check(y, p)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    b = np.clip(np.floor(np.round(p * n_bins, 9)).astype(int), 0, n_bins - 1)
    cnt = np.bincount(b, minlength=n_bins)
    sp = np.bincount(b, weights=p, minlength=n_bins)
    sy = np.bincount(b, weights=y, minlength=n_bins)
    mean_p = [float(sp[k] / cnt[k]) if cnt[k] else None for k in range(n_bins)]
    rate = [float(sy[k] / cnt[k]) if cnt[k] else None for k in range(n_bins)]
    return {"edges": edges.tolist(), "mean_pred": mean_p, "frac_pos": rate, "count": cnt.astype(int).tolist()}


def expected_calibration_error(y: Sequence[int], p: Sequence[float], n_bins: int = 10) -> float:
    """ECE = Σ_k (n_k / n) · |rate_k − mean_prob_k| over equal-width bins (0 for no documents)."""
    bins = reliability_bins(y, p, n_bins)
    n = sum(bins["count"])
    if n == 0:
        return 0.0
    return float(sum(c / n * abs(r - m) for c, r, m in zip(bins["count"], bins["frac_pos"], bins["mean_pred"]) if c))


def threshold_sweep(y: Sequence[int], p: Sequence[float], thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> dict:
    """Precision, recall and F1 when predicting ``p >= t`` for each threshold ``t``.

    Returns the curves plus ``best_threshold``/``best_f1`` (the smallest threshold reaching the max F1).
    """
    y, p = _check(y, p)
    t = np.asarray(thresholds, dtype=float)
    pred = p[None, :] >= t[:, None]
    tp = (pred & (y[None, :] == 1)).sum(1).astype(float)
    fp = (pred & (y[None, :] == 0)).sum(1).astype(float)
    fn = ((~pred) & (y[None, :] == 1)).sum(1).astype(float)
    prec = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    rec = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=(2 * tp + fp + fn) > 0)
    # smallest threshold among those reaching the max (argmax alone took the first, wrong for unsorted input)
    k = int(np.flatnonzero(f1 == f1.max())[np.argmin(t[f1 == f1.max()])]) if len(f1) else 0
    return {"thresholds": t.tolist(), "precision": prec.tolist(), "recall": rec.tolist(), "f1": f1.tolist(),
            "best_threshold": float(t[k]) if len(t) else None, "best_f1": float(f1[k]) if len(f1) else None}


def calibration_report(Y_true: np.ndarray, P: np.ndarray, label_ids: Sequence[str], *, n_bins: int = 10,
                       thresholds: Sequence[float] = DEFAULT_THRESHOLDS, current_thresholds=None) -> dict:
    """Per label: reliability bins, ECE, threshold sweep (and the model's own threshold if given)."""
    Y_true = np.asarray(Y_true)
    P = np.asarray(P, dtype=float)
    if P.shape != Y_true.shape:
        raise ValueError(f"probabilities have shape {P.shape}, gold labels {Y_true.shape}")
    out = {}
    for j, lid in enumerate(label_ids):
        out[lid] = {"reliability": reliability_bins(Y_true[:, j], P[:, j], n_bins),
                    "ece": expected_calibration_error(Y_true[:, j], P[:, j], n_bins),
                    "sweep": threshold_sweep(Y_true[:, j], P[:, j], thresholds)}
        if current_thresholds is not None:
            out[lid]["model_threshold"] = float(np.asarray(current_thresholds)[j])
    return out
