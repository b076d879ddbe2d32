"""``linear``: TF-IDF (bilingual words, word bigrams, Chinese character n-grams) + codebook cue
counts → one-vs-rest logistic regression, Platt-calibrated on out-of-fold scores, with per-label
thresholds tuned on the same out-of-fold probabilities.

A fitted model is plain arrays: vocabulary (JSON), idf, coefficients, intercepts, calibration and
thresholds (safetensors). Prediction uses numpy/scipy only — scikit-learn is needed to train, not
to tag — so the CLI starts fast and loading can never execute code.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from nlp.classifiers.base import ModelError, TextClassifier, as_texts
from nlp.cue_context import CueContext
from nlp.cues import CueMatcher, cue_features
from nlp.features import TfidfFeaturizer

__all__ = ["LinearClassifier"]

WEIGHTS = "linear.safetensors"
VOCAB = "vocabulary.json"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


class LinearClassifier(TextClassifier):
    """TF-IDF + cue features, logistic regression per label, calibrated, thresholds tuned by CV.

    Parameters
    ----------
    codebook : Codebook or path, optional
        Label order and cues (default: the bundled codebook).
    C : float
        Inverse regularisation strength of each logistic regression.
    class_weight : {"balanced", None}
        Re-weight positives of rare labels.
    word_ngrams, char_ngrams, latin_ngrams, min_df, max_features
        Featurizer settings (see :class:`nlp.features.TfidfFeaturizer`).
    cue_weight : float
        Scale of the codebook cue-count features (0 disables them).
    cue_context : bool
        Add sentence-level cue features: sentences where a label's cue meets one of its
        ``frame_cues`` (e.g. technology + cooperation for DSR) or ``counter_cues`` (e.g. technology +
        sanctions), see :mod:`nlp.cue_context`.
    nb_scale : bool
        Scale features by their naive-Bayes log-count ratio per label before the regression
        (NB-SVM); often better on short texts.
    cv : int
        Folds used for out-of-fold calibration and threshold tuning.
    tokenizer : dict, optional
        Settings of :class:`nlp.tokenizer.BilingualTokenizer` (default engine and dictionaries).
    seed : int
        Seed of the fold split.
    """

    family = "linear"

    def __init__(self, *, codebook=None, C: float = 4.0, class_weight: str | None = "balanced",
                 word_ngrams: int = 2, char_ngrams: tuple[int, int] | list[int] = (2, 3), min_df: int = 2,
                 max_features: int = 60000, latin_ngrams: tuple[int, int] | list[int] = (0, 0), cue_weight: float = 1.0, cue_context: bool = True, nb_scale: bool = False, cv: int = 5,
                 tokenizer: dict | None = None, seed: int = 0):
        self.codebook = codebook
        self.C = C
        self.class_weight = class_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.latin_ngrams = latin_ngrams
        self.cue_weight = cue_weight
        self.cue_context = cue_context
        self.nb_scale = nb_scale
        self.cv = cv
        self.tokenizer = tokenizer
        self.seed = seed

    def settings(self) -> dict:
        s = super().settings()
        s["char_ngrams"] = list(self.char_ngrams)
        s["latin_ngrams"] = list(self.latin_ngrams)
        return s

    # ---- features --------------------------------------------------------------------------------
    def _make_tokenizer(self, dict_dir: Path | None = None):
        """The configured tokenizer; with ``dict_dir``, its dictionaries are read from a model folder."""
        from nlp.tokenizer import BilingualTokenizer

        if not self.tokenizer:
            return BilingualTokenizer()
        cfg = dict(self.tokenizer)
        if dict_dir is not None:
            cfg["user_dicts"] = [str(dict_dir / Path(n).name) for n in cfg.get("user_dicts", [])]
        try:
            return BilingualTokenizer.from_config(cfg)
        except ValueError as e:
            raise ModelError(f"tokenizer cannot be rebuilt: {e}") from None

    def _cue_matcher(self) -> CueMatcher:
        """The cue matcher of the model's cue codebook."""
        return self._per_cue_codebook("_cue_matcher_", CueMatcher)

    def _cue_context(self) -> CueContext:
        """Sentence-level framed/disputed cue counts (decision rules 7, 8)."""
        return self._per_cue_codebook("_cue_context_", CueContext)

    def _features(self, texts: list[str]) -> sp.csr_matrix:
        X = self.featurizer_.transform(texts)
        if self.cue_weight:
            # one Aho-Corasick pass per text for cue, counter-cue and frame-cue counts
            blocks = cue_features(self._cue_matcher(), self._cue_context() if self.cue_context else None, texts)
            cues = np.log1p(np.hstack(blocks)) * float(self.cue_weight)
            X = sp.hstack([X, sp.csr_matrix(cues.astype(np.float32))], format="csr")
        return X

    # ---- fit -------------------------------------------------------------------------------------
    def _fit_lr(self, X, y, w):
        from sklearn.linear_model import LogisticRegression

        if y.min() == y.max():  # label never (or always) present: constant model
            return np.zeros(X.shape[1], dtype=np.float32), (10.0 if y.max() else -10.0)
        r = None
        if self.nb_scale:
            # NB-SVM (Wang & Manning 2012): scale features by their log-count ratio for this label;
            # the ratio is folded into the coefficients, so prediction is unchanged: X @ (coef * r)
            pos = np.asarray(X[y == 1].sum(axis=0)).ravel() + 1.0
            neg = np.asarray(X[y == 0].sum(axis=0)).ravel() + 1.0
            r = np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)
            X = X.multiply(r[None, :]).tocsr()
        # dual liblinear: ~20× faster than the primal solver when features outnumber documents
        # random_state: liblinear visits samples in a random order; seeded, training is reproducible
        lr = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear", dual=True, max_iter=1000,
                                random_state=self.seed)
        lr.fit(X, y, sample_weight=w)
        coef = lr.coef_.ravel().astype(np.float32)
        return (coef * r if r is not None else coef), float(lr.intercept_[0])

    def fit(self, docs: Sequence, Y, *, sample_weight=None, **fit_params) -> "LinearClassifier":
        """Fit on documents and a binary label matrix in codebook order.

        ``sample_weight`` (n_docs,) lets callers balance genres (see :mod:`nlp.training`).
        """
        from sklearn.linear_model import LogisticRegression

        from nlp.classifiers.thresholds import tune_thresholds
        from nlp.folds import multilabel_folds

        t0 = time.perf_counter()
        Y = self._check_Y(docs, Y)
        texts = as_texts(docs)
        n, L = Y.shape
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        tok = self._make_tokenizer()
        self.tokenizer = tok.config()
        self.featurizer_ = TfidfFeaturizer(tok, word_ngrams=self.word_ngrams, char_ngrams=tuple(self.char_ngrams),
                                           min_df=self.min_df, max_features=self.max_features,
                                           latin_ngrams=tuple(self.latin_ngrams))
        self.featurizer_.fit(texts)
        X = self._features(texts)

        # out-of-fold decision scores → Platt calibration and thresholds
        oof = np.zeros((n, L))
        k = max(2, min(int(self.cv), n)) if n >= 4 else 0
        if k:
            for tr, te in multilabel_folds(Y, k=k, seed=self.seed):
                for j in range(L):
                    coef, b = self._fit_lr(X[tr], Y[tr, j], w[tr])
                    oof[te, j] = X[te] @ coef + b
        self.calib_ = np.zeros((L, 2), dtype=np.float32)
        self.calib_[:, 0] = 1.0
        for j in range(L):
            y = Y[:, j]
            if k and 0 < y.sum() < n:
                cal = LogisticRegression(C=1e4, solver="lbfgs").fit(oof[:, [j]], y)
                self.calib_[j] = (cal.coef_[0, 0], cal.intercept_[0])
        P_oof = _sigmoid(oof * self.calib_[None, :, 0] + self.calib_[None, :, 1])
        P_oof = self.codebook_.apply_implications(P_oof)
        self.thresholds_ = tune_thresholds(P_oof, Y) if k else np.full(L, 0.5)
        self.oof_proba_ = P_oof

        coefs, intercepts = [], []
        for j in range(L):
            c, b = self._fit_lr(X, Y[:, j], w)
            coefs.append(c)
            intercepts.append(b)
        self.coef_ = np.vstack(coefs).astype(np.float32)
        self.intercept_ = np.asarray(intercepts, dtype=np.float32)
        self.training_ = {
            "n_docs": int(n),
            "positives": {lid: int(Y[:, j].sum()) for j, lid in enumerate(self.codebook_.label_ids)},
            "n_features": int(X.shape[1]),
            "fit_seconds": round(time.perf_counter() - t0, 2),
        }
        return self

    # ---- predict ---------------------------------------------------------------------------------
    def decision_function(self, docs: Sequence) -> np.ndarray:
        X = self._features(as_texts(docs))
        return np.asarray(X @ self.coef_.T) + self.intercept_[None, :]

    def predict_proba(self, docs: Sequence) -> np.ndarray:
        L = self.codebook_.n_labels
        if not hasattr(self, "coef_"):
            raise ModelError("model is not fitted: call fit() or load a model folder")
        if len(docs) == 0:
            return np.zeros((0, L))
        S = self.decision_function(docs)
        P = _sigmoid(S * self.calib_[None, :, 0] + self.calib_[None, :, 1])
        return self.codebook_.apply_implications(P)

    def top_features(self, label_id: str, k: int = 20) -> list[tuple[str, float]]:
        """The ``k`` features with the largest positive weight for a label (for model cards)."""
        j = self.codebook_.index(label_id)
        names = self.featurizer_.feature_names_
        kinds = ("cue", "cue-hedged", "counter-cue") + (("cue-framed", "cue-disputed") if self.cue_context else ())
        names = names + [f"{kind}:{lid}" for kind in kinds for lid in self.codebook_.label_ids]
        order = np.argsort(-self.coef_[j])[:k]
        return [(names[i], round(float(self.coef_[j, i]), 3)) for i in order]

    # ---- persistence -----------------------------------------------------------------------------
    def _save_weights(self, path: Path) -> list[str]:
        from safetensors.numpy import save_file

        save_file({"coef": np.ascontiguousarray(self.coef_, dtype=np.float32),
                   "intercept": self.intercept_.astype(np.float32),
                   "calibration": self.calib_.astype(np.float32),
                   "idf": self.featurizer_.idf_.astype(np.float32)}, str(path / WEIGHTS))
        vocab = {"featurizer": self.featurizer_.settings(), "features": self.featurizer_.feature_names_}
        (path / VOCAB).write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        # the tokenizer's dictionaries travel with the model, so later dictionary edits cannot change it
        files = [WEIGHTS, VOCAB]
        (path / "dict").mkdir(exist_ok=True)
        for p in self.featurizer_.tokenizer._dict_paths():
            (path / "dict" / p.name).write_bytes(Path(p).read_bytes())
            files.append(f"dict/{p.name}")
        self.tokenizer = dict(self.tokenizer or {}, user_dicts=[p.name for p in self.featurizer_.tokenizer._dict_paths()])
        return files

    def _load_weights(self, path: Path, config: dict) -> None:
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        for f in (WEIGHTS, VOCAB):
            if not (path / f).exists():
                raise ModelError(f"{path}: missing {f}; the model folder is incomplete")
        try:
            arrays = load_file(str(path / WEIGHTS))
        except (SafetensorError, OSError, ValueError) as e:
            raise ModelError(f"{path / WEIGHTS}: unreadable safetensors file ({e})") from None
        try:
            vocab = json.loads((path / VOCAB).read_text(encoding="utf-8"))
            feats = vocab["features"]
            fset = vocab["featurizer"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ModelError(f"{path / VOCAB}: malformed vocabulary file ({e})") from None
        if not isinstance(feats, list) or not all(isinstance(f, str) for f in feats) or len(set(feats)) != len(feats):
            raise ModelError(f"{path / VOCAB}: 'features' must be a list of distinct strings; the folder is corrupt")
        L = self.codebook_.n_labels
        n_extra = (5 if self.cue_context else 3) * L if self.cue_weight else 0
        coef = arrays.get("coef")
        if coef is None or coef.shape != (L, len(feats) + n_extra) or arrays["idf"].shape != (len(feats),):
            raise ModelError(f"{path}: weight shapes do not match the vocabulary and codebook; the folder is corrupt")
        self.featurizer_ = TfidfFeaturizer(self._make_tokenizer(path / "dict"), word_ngrams=fset["word_ngrams"],
                                           char_ngrams=tuple(fset["char_ngrams"]), min_df=fset["min_df"],
                                           max_features=fset["max_features"], sublinear_tf=fset["sublinear_tf"],
                                           latin_ngrams=tuple(fset.get("latin_ngrams", (0, 0))))
        self.featurizer_.vocabulary_ = {f: i for i, f in enumerate(feats)}
        self.featurizer_.idf_ = arrays["idf"]
        self.coef_ = coef
        self.intercept_ = arrays["intercept"]
        self.calib_ = arrays["calibration"]
