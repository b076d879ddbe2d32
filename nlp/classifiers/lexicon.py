"""``lexicon``: a transparent cue baseline that needs no training.

Each label's score is a saturating function of how many of its codebook cues appear (hedged
cues — negated or quoted — count half): ``p = 1 - exp(-rate * count)``. ``fit`` is optional: it
only tunes the per-label rate and threshold on labelled data. Doubles as a weak labeller.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.classifiers.base import TextClassifier, as_texts
from nlp.cues import CueMatcher

__all__ = ["LexiconClassifier"]


class LexiconClassifier(TextClassifier):
    """Cue-count baseline.

    Parameters
    ----------
    codebook : Codebook or path, optional
        Labels and cues (default: the bundled codebook).
    rate : float
        Saturation rate: one plain cue gives ``1 - exp(-rate)``.
    hedge_weight : float
        Weight of negated/quoted cues relative to plain ones.
    threshold : float
        Default decision threshold before any tuning.
    """

    family = "lexicon"

    def __init__(self, *, codebook=None, rate: float = 0.7, hedge_weight: float = 0.5, threshold: float = 0.5):
        self.codebook = codebook
        self.rate = rate
        self.hedge_weight = hedge_weight
        self.threshold = threshold

    def _check_settings(self) -> None:
        if not (float(self.rate) > 0):
            raise ValueError(f"rate must be > 0, got {self.rate!r}")
        if not (float(self.hedge_weight) >= 0):
            raise ValueError(f"hedge_weight must be >= 0, got {self.hedge_weight!r}")
        if not (0.0 <= float(self.threshold) <= 1.0):
            raise ValueError(f"threshold must lie in [0, 1], got {self.threshold!r}")

    def _ensure_state(self) -> None:
        L = self.codebook_.n_labels
        if not hasattr(self, "rates_") or not hasattr(self, "thresholds_"):
            self._check_settings()
        if not hasattr(self, "rates_"):
            self.rates_ = np.full(L, float(self.rate))
        if not hasattr(self, "thresholds_"):
            self.thresholds_ = np.full(L, float(self.threshold))

    def _scores(self, docs: Sequence) -> np.ndarray:
        # the cues the model was saved with (see TextClassifier.load), else the codebook in use
        plain, hedged = self._per_cue_codebook("_matcher", CueMatcher).counts(as_texts(docs))
        return plain + self.hedge_weight * hedged

    def predict_proba(self, docs: Sequence) -> np.ndarray:
        self._ensure_state()
        if len(docs) == 0:
            return np.zeros((0, self.codebook_.n_labels))
        S = self._scores(docs)
        P = 1.0 - np.exp(-self.rates_[None, :] * S)
        return self.codebook_.apply_implications(P)

    def fit(self, docs: Sequence, Y, **fit_params) -> "LexiconClassifier":
        """Tune per-label thresholds (cue-count cut-offs) to maximise F1 on ``(docs, Y)``."""
        Y = self._check_Y(docs, Y)
        self._check_settings()
        self.rates_ = np.full(Y.shape[1], float(self.rate))
        self.thresholds_ = np.full(Y.shape[1], float(self.threshold))
        P = self.predict_proba(docs)
        from nlp.classifiers.thresholds import tune_thresholds

        self.thresholds_ = tune_thresholds(P, Y, default=self.threshold)
        self.training_ = {"n_docs": int(len(docs)), "positives": {lid: int(Y[:, j].sum()) for j, lid in enumerate(self.codebook_.label_ids)}}
        return self

    def _save_weights(self, path: Path) -> list[str]:
        self._ensure_state()
        (path / "lexicon.json").write_text(json.dumps({"rates": self.rates_.tolist()}, indent=2) + "\n", encoding="utf-8")
        return ["lexicon.json"]

    def _load_weights(self, path: Path, config: dict) -> None:
        from nlp.classifiers.base import ModelError

        f = path / "lexicon.json"
        if not f.exists():
            raise ModelError(f"{path}: missing lexicon.json; the model folder is incomplete")
        try:
            rates = np.asarray(json.loads(f.read_text(encoding="utf-8"))["rates"], dtype=float)
        except (ValueError, KeyError, TypeError) as e:
            raise ModelError(f"{f}: malformed ({e})") from None
        if rates.shape != (self.codebook_.n_labels,) or not np.all(rates > 0):
            raise ModelError(f"{f}: 'rates' must hold one positive number per label ({self.codebook_.n_labels})")
        self.rates_ = rates
