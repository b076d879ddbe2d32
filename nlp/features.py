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

from nlp.tokenizer import dropped_token as _dropped_token

__all__ = ["TfidfFeaturizer"]

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class _KeyTable:
    """Open-addressing hash table from non-negative int64 keys to int64 values, looked up with
    numpy for whole arrays of keys at once (several times faster than ``np.searchsorted`` over
    the sorted keys, for the same answers).

    Parameters
    ----------
    keys, values : np.ndarray
        Distinct keys (>= 0) and their values.
    """

    _MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        n = len(keys)
        bits = max(4, int(np.ceil(np.log2(max(n, 1) * 4))))  # load factor <= 1/4: short probes
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._n = n
        tkeys, tvalues = [-1] * (1 << bits), [-1] * (1 << bits)
        longest = 0
        for k, v, h in zip(keys.tolist(), values.tolist(), self._slots(np.asarray(keys, dtype=np.int64)).tolist()):
            probe = 0
            while tkeys[h] != -1:
                h = (h + 1) & self._mask
                probe += 1
            tkeys[h], tvalues[h] = k, v
            longest = max(longest, probe)
        self._keys = np.array(tkeys, dtype=np.int64)
        self._values = np.array(tvalues, dtype=np.int64)
        self._probes = longest + 1

    def __len__(self) -> int:
        return self._n

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MULT) >> self._shift).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Value of each key, -1 where the key is absent."""
        out = np.full(len(keys), -1, dtype=np.int64)
        if not self._n or not len(keys):
            return out
        todo = np.arange(len(keys))
        want = keys
        slot = self._slots(keys)
        for _ in range(self._probes):
            seen = self._keys[slot]
            hit = seen == want
            out[todo[hit]] = self._values[slot[hit]]
            more = ~hit & (seen != -1)  # an empty slot ends the probe: the key is absent
            if not more.any():
                break
            todo, want, slot = todo[more], want[more], (slot[more] + 1) & self._mask
        return out


class _RawTokenIds(dict):
    """Token → id, for :meth:`nlp.tokenizer.BilingualTokenizer.raw_tokens` output: a token
    outside the vocabulary gets -2 when ``tokenize`` would have dropped it
    (:func:`nlp.tokenizer.dropped_token`), else -1 (an unknown word). Answers for unknown tokens
    are remembered, so each costs one Python call per featurizer; :meth:`TfidfFeaturizer.transform`
    starts afresh when more than :data:`MAX_REMEMBERED` have piled up."""

    __slots__ = ()
    MAX_REMEMBERED = 200_000

    def __missing__(self, tok: str) -> int:
        v = self[tok] = -2 if _dropped_token(tok) else -1
        return v


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
        parts.update(self._sub_parts(text, toks))
        return parts

    def _sub_parts(self, text: str, toks: list[str]) -> dict[str, Iterable[str]]:
        """The ``e`` (Latin-word character n-grams) and ``c`` (Chinese character n-grams) namespaces."""
        parts: dict[str, Iterable[str]] = {}
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
        self._token_index = self._build_token_index(spaces)

    def _build_token_index(self, spaces: dict[str, dict[str, int]]):
        """Integer ids for the words of the ``w`` and ``b`` namespaces, so that :meth:`transform`
        needs ONE dictionary lookup per token and finds bigram columns with numpy.

        Returns ``(token → id, word column per id (-1: none), hash table from bigram key
        id1*K+id2 to its column, per id (and -1, last slot): does it start a bigram feature, does
        it end one)``, or None when a bigram feature does not split into exactly two words at its
        single space (then the string path is used). A bigram string with exactly one space can
        only come from two space-free tokens, so the id lookup finds exactly the bigram features
        that joining the tokens with a space would find.
        """
        vw = spaces.get("w", {})
        vb = spaces.get("b", {}) if self.word_ngrams >= 2 else {}
        if any(k.count(" ") != 1 for k in vb):
            return None
        index: dict[str, int] = {}
        for k in vw:
            index.setdefault(k, len(index))
        pairs = [k.split(" ") for k in vb]
        for a, b in pairs:
            index.setdefault(a, len(index))
            index.setdefault(b, len(index))
        K = max(len(index), 1)
        wcol = np.full(K + 1, -1, dtype=np.int64)  # the extra last slot answers id -1 (unknown token)
        for k, c in vw.items():
            wcol[index[k]] = c
        bkeys = np.fromiter((index[a] * K + index[b] for a, b in pairs), dtype=np.int64, count=len(pairs))
        bcols = np.fromiter(vb.values(), dtype=np.int64, count=len(vb))
        order = np.argsort(bkeys, kind="stable")
        # ids that start / end some bigram feature: other pairs need no lookup
        first = np.zeros(K + 1, dtype=bool)
        second = np.zeros(K + 1, dtype=bool)
        first[bkeys // K] = True
        second[bkeys % K] = True
        return index, wcol, _KeyTable(bkeys[order], bcols[order]), first, second

    def _counts_strings(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """(row, column) of every feature occurrence found by string lookups, and the row count."""
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
        return row[keep], col[keep], len(indptr) - 1

    def _counts_ids(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """As :meth:`_counts_strings`, with words and bigrams looked up through integer token ids
        (one dictionary lookup per token; bigram columns from a numpy hash table of id pairs)."""
        index, wcol, btable, first, second = self._token_index
        spaces = self._spaces
        get = index.get
        ids: list[int] = []
        lens: list[int] = []
        extra: list[int] = []
        extra_lens: list[int] = []
        subs = self.latin_ngrams[0] > 0 or self.char_ngrams[0] > 0
        raw = None
        if not subs and not getattr(self.tokenizer, "has_stopwords", True):
            # fused path: the tokenizer skips its punctuation filter and the id lookup drops
            # those tokens (id -2, removed below), one pass over the tokens instead of two
            raw = self.tokenizer.raw_tokens
            raw_ids = self.__dict__.get("_raw_ids")
            if raw_ids is None or raw_ids[0] is not index or len(raw_ids[1]) > len(index) + _RawTokenIds.MAX_REMEMBERED:
                raw_ids = self._raw_ids = (index, _RawTokenIds(index))
            getitem = raw_ids[1].__getitem__
            for t in texts:
                toks = raw(t)
                ids.extend(map(getitem, toks))
                lens.append(len(toks))
        else:
            for t in texts:
                toks = self.tokenizer(t)
                ids.extend(map(get, toks, repeat(-1)))
                lens.append(len(toks))
                if subs:
                    n0 = len(extra)
                    for ns, feats in self._sub_parts(t, toks).items():
                        voc = spaces.get(ns)
                        if voc:
                            extra.extend(map(voc.get, feats, repeat(-1)))
                    extra_lens.append(len(extra) - n0)
        n = len(lens)
        tid = np.fromiter(ids, dtype=np.int64, count=len(ids))
        doc = np.repeat(np.arange(n), lens)
        if raw is not None:
            kept = tid != -2
            if not kept.all():
                tid, doc = tid[kept], doc[kept]
        wc = wcol[tid]  # id -1 reads the last slot (-1)
        rows, cols = [doc], [wc]
        if self.word_ngrams >= 2 and len(tid) > 1 and len(btable):
            a, b = tid[:-1], tid[1:]
            ok = first[a] & second[b] & (doc[:-1] == doc[1:])  # id -1 reads the last slot (False)
            keys = a[ok] * (len(wcol) - 1) + b[ok]
            found = btable.lookup(keys)
            hit = found >= 0
            rows.append(doc[:-1][ok][hit])
            cols.append(found[hit])
        if subs:
            rows.append(np.repeat(np.arange(n), extra_lens))
            cols.append(np.fromiter(extra, dtype=np.int64, count=len(extra)))
        row, col = np.concatenate(rows), np.concatenate(cols)
        keep = col >= 0
        return row[keep], col[keep], n

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """TF-IDF matrix (n_texts, n_features), float32, rows L2-normalised.

        Words and bigrams go through integer token ids when the vocabulary allows it (it always
        does for vocabularies this class fits); the string-lookup path gives the same matrix.
        """
        if getattr(self, "_spaces", None) is None:
            self._split_vocabulary()
        if getattr(self, "_token_index", None) is not None:
            row, col, n = self._counts_ids(texts)
        else:
            row, col, n = self._counts_strings(texts)
        X = sp.csr_matrix((np.ones(len(col), dtype=np.float32), (row, col)), shape=(n, len(self.vocabulary_)))
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
