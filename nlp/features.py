"""Sparse TF-IDF features over bilingual words, word bigrams and Chinese character n-grams.

Written out rather than taken from scikit-learn's ``TfidfVectorizer`` so that a fitted model is
just a vocabulary and an idf vector (JSON + safetensors), prediction needs only numpy/scipy
(fast CLI start, no pickle), and fit and predict share one code path.
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import repeat
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["TfidfFeaturizer"]

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class TfidfFeaturizer:
    """Bilingual TF-IDF featurizer.

    Parameters
    ----------
    tokenizer : callable
        ``text -> list[str]`` (a :class:`nlp.tokenizer.BilingualTokenizer`).
    word_ngrams : int
        1 for words only, 2 to add word bigrams.
    char_ngrams : tuple[int, int]
        Range of character n-gram sizes taken inside runs of Han characters; ``(0, 0)`` disables.
    latin_ngrams : tuple[int, int]
        Range of character n-gram sizes inside Latin-script words (padded with ``<``/``>``), which
        makes English morphology (stigmatize/stigmatizing) and hashtags robust; ``(0, 0)`` disables.
    min_df : int
        Features seen in fewer training documents are dropped.
    max_features : int
        Keep at most this many features (highest document frequency first) — keeps models small.
    sublinear_tf : bool
        Use ``1 + log(tf)``.
    """

    def __init__(self, tokenizer, *, word_ngrams: int = 2, char_ngrams: tuple[int, int] = (2, 3),
                 min_df: int = 2, max_features: int = 60000, sublinear_tf: bool = True,
                 latin_ngrams: tuple[int, int] = (0, 0)):
        self.tokenizer = tokenizer
        self.latin_ngrams = tuple(latin_ngrams)
        self.word_ngrams = word_ngrams
        self.char_ngrams = tuple(char_ngrams)
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    # ---- analysis --------------------------------------------------------------------------------
    def _parts(self, text: str) -> dict[str, Iterable[str]]:
        """Raw features per namespace: ``w`` words, ``b`` word bigrams, ``e`` Latin-word character
        n-grams, ``c`` Chinese character n-grams. Built with C-level ``map``/``zip`` (hot path)."""
        toks = self.tokenizer(text)
        parts: dict[str, Iterable[str]] = {"w": toks}
        if self.word_ngrams >= 2:
            parts["b"] = map(" ".join, zip(toks, toks[1:]))
        llo, lhi = self.latin_ngrams
        if llo > 0:
            lat = []
            for t in set(toks):
                if t.isascii() and t[:1].isalpha() and len(t) > 3:
                    w = f"<{t}>"
                    for n in range(llo, min(lhi, len(w)) + 1):
                        lat.extend(w[i:i + n] for i in range(len(w) - n + 1))
            parts["e"] = lat
        lo, hi = self.char_ngrams
        if lo > 0:
            runs = _HAN_RUN.findall(text)
            chars: list[str] = []
            for n in range(lo, hi + 1):
                if n == 1:
                    for run in runs:
                        chars.extend(run)
                else:
                    for run in runs:
                        if len(run) >= n:
                            chars.extend(map("".join, zip(*(run[k:] for k in range(n)))))
            parts["c"] = chars
        return parts

    def analyze(self, text: str) -> list[str]:
        """All feature strings of one text, prefixed by namespace (``w:``, ``b:``, ``e:``, ``c:``)."""
        out: list[str] = []
        for ns, feats in self._parts(text).items():
            out.extend(ns + ":" + f for f in feats)
        return out

    # ---- fit / transform -------------------------------------------------------------------------
    def fit(self, texts: Sequence[str]) -> "TfidfFeaturizer":
        df: Counter = Counter()
        for t in texts:
            df.update(set(self.analyze(t)))
        items = [(f, c) for f, c in df.items() if c >= self.min_df]
        items.sort(key=lambda fc: (-fc[1], fc[0]))
        items = items[: self.max_features]
        items.sort(key=lambda fc: fc[0])
        self.vocabulary_ = {f: i for i, (f, _) in enumerate(items)}
        n = len(texts)
        dfs = np.array([c for _, c in items], dtype=np.float64)
        self.idf_ = (np.log((1 + n) / (1 + dfs)) + 1.0).astype(np.float32)
        self._split_vocabulary()
        return self

    def _split_vocabulary(self) -> None:
        """Per-namespace dictionaries without prefixes, so lookups need no string building."""
        spaces: dict[str, dict[str, int]] = {}
        for f, i in self.vocabulary_.items():
            ns, _, key = f.partition(":")
            spaces.setdefault(ns, {})[key] = i
        self._spaces = spaces

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        if getattr(self, "_spaces", None) is None:
            self._split_vocabulary()
        spaces = self._spaces
        cols: list[int] = []
        indptr = [0]
        for t in texts:
            for ns, feats in self._parts(t).items():
                voc = spaces.get(ns)
                if voc:
                    cols.extend(map(voc.get, feats, repeat(-1)))
            indptr.append(len(cols))
        col = np.fromiter(cols, dtype=np.int64, count=len(cols))
        row = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        keep = col >= 0
        X = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (row[keep], col[keep])),
                          shape=(len(indptr) - 1, len(self.vocabulary_)))
        X.sum_duplicates()
        if self.sublinear_tf and X.nnz:
            X.data = 1.0 + np.log(X.data)
        X.data *= self.idf_[X.indices]
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        X.data /= np.repeat(norms, np.diff(X.indptr)).astype(np.float32)
        return X

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.fit(texts).transform(texts)

    @property
    def feature_names_(self) -> list[str]:
        names = [""] * len(self.vocabulary_)
        for f, i in self.vocabulary_.items():
            names[i] = f
        return names

    def settings(self) -> dict:
        return {"word_ngrams": self.word_ngrams, "char_ngrams": list(self.char_ngrams), "min_df": self.min_df,
                "max_features": self.max_features, "sublinear_tf": self.sublinear_tf,
                "latin_ngrams": list(self.latin_ngrams)}
