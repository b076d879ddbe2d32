"""Per-label decision thresholds chosen to maximise F1 on (out-of-fold) probabilities."""
from __future__ import annotations

import numpy as np

__all__ = ["tune_thresholds", "best_f1_threshold"]


def best_f1_threshold(p: np.ndarray, y: np.ndarray, *, default: float = 0.5, min_pos: int = 3) -> float:
    """Threshold on ``p`` maximising F1 for binary ``y``.

    Candidates are midpoints between sorted distinct probabilities, so the result does not sit on a
    training example. With fewer than ``min_pos`` positives, ``default`` is returned.
    """
    p = np.asarray(p, dtype=float)
    y = np.asarray(y).astype(bool)
    if y.sum() < min_pos or len(p) == 0:
        return float(default)
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(~ys)
    fn = ys.sum() - tp
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    # only cut where the next probability differs (ties go together)
    distinct = np.r_[ps[1:] < ps[:-1], True]
    f1 = np.where(distinct, f1, -1)
    k = int(np.argmax(f1))
    nxt = ps[k + 1] if k + 1 < len(ps) else 0.0
    return float((ps[k] + nxt) / 2)


def tune_thresholds(P: np.ndarray, Y: np.ndarray, *, default: float = 0.5, min_pos: int = 3) -> np.ndarray:
    """Per-label F1-optimal thresholds for probability matrix ``P`` and binary ``Y`` (same shape)."""
    P = np.asarray(P, dtype=float)
    Y = np.asarray(Y)
    return np.array([best_f1_threshold(P[:, j], Y[:, j], default=default, min_pos=min_pos) for j in range(P.shape[1])])
