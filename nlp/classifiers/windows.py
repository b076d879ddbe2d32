"""Long documents as overlapping token windows, shared by the ``transformer`` and ``nli`` families.

Press releases and commentaries often exceed the 512 tokens an encoder reads at once, and a label
cue may sit anywhere in them. Each document's body tokens are split into overlapping windows; the
title's tokens are repeated at the start of every window (a title often states the theme); each
window is scored on its own and window scores are pooled per document (``max``: a cue anywhere
counts; ``mean``: the theme must run through the text).

For training, each window inherits its document's labels (weak but standard supervision for
long texts). Everything here works on token ids and numpy arrays; torch is not imported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = ["SpecialTemplate", "split_title", "window_spans", "encode_windows", "pool_windows", "pad_batch", "Windows",
           "body_room", "MIN_BODY_TOKENS"]

#: a title longer than this share of the window is cut (the body needs room)
MAX_TITLE_SHARE = 0.25
#: fewest body tokens a window must hold, checked where the second sequences are known (NLI fit)
MIN_BODY_TOKENS = 8


def body_room(max_length: int, n_special: int, second_len: int = 0) -> int:
    """Body tokens a window of ``max_length`` holds in the worst case (longest title kept)."""
    return max_length - n_special - int(max_length * MAX_TITLE_SHARE) - second_len


def split_title(doc: Any) -> tuple[str, str]:
    """A document → ``(title, body)``; strings and title-less documents give an empty title.

    A title already repeated at the start of the body is not repeated again. Both parts are in
    the canonical form of :func:`nlp.text.normalize`, as for every model.
    """
    from nlp.text import normalize

    if isinstance(doc, str):
        return "", normalize(doc)
    if isinstance(doc, dict):
        title, text = doc.get("title"), doc.get("text")
    else:
        title, text = getattr(doc, "title", None), getattr(doc, "text", None)
    title = normalize(title or "")
    text = normalize(text or "")
    if title and title in text[:200]:
        title = ""
    return title, text


@dataclass(frozen=True)
class SpecialTemplate:
    """Where a tokenizer puts its special tokens around one sequence or a pair.

    Derived from the tokenizer itself (``[CLS] A [SEP] B [SEP]`` for BERT, ``<s> A </s></s> B </s>``
    for RoBERTa/XLM-R), so windows built from raw ids look exactly like the tokenizer's own output.
    """

    single: tuple[tuple[int, ...], tuple[int, ...]]                   # prefix, suffix
    pair: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]    # prefix, middle, suffix
    type_a: int = 0
    type_b: int = 1
    uses_token_types: bool = True
    pad_id: int = 0

    @classmethod
    def from_tokenizer(cls, tokenizer) -> "SpecialTemplate":
        a = tokenizer("a", add_special_tokens=False)["input_ids"]
        b = tokenizer("b", add_special_tokens=False)["input_ids"]
        s = tokenizer("a")["input_ids"]
        p = tokenizer("a", "b", return_token_type_ids=True)
        pi, pt = list(p["input_ids"]), list(p.get("token_type_ids") or [0] * len(p["input_ids"]))
        i = _find(s, a, 0)
        j = _find(pi, a, 0)
        k = _find(pi, b, j + len(a))
        if min(i, j, k) < 0:
            raise ValueError(f"cannot locate special-token layout of tokenizer {type(tokenizer).__name__}; "
                             "is it a standard Hugging Face tokenizer with a post-processor?")
        pad = tokenizer.pad_token_id
        return cls(single=(tuple(s[:i]), tuple(s[i + len(a):])),
                   pair=(tuple(pi[:j]), tuple(pi[j + len(a):k]), tuple(pi[k + len(b):])),
                   type_a=int(pt[j]), type_b=int(pt[k]),
                   uses_token_types="token_type_ids" in getattr(tokenizer, "model_input_names", ()),
                   pad_id=int(pad if pad is not None else 0))

    def n_special(self, paired: bool) -> int:
        return sum(len(x) for x in (self.pair if paired else self.single))

    def build(self, first: Sequence[int], second: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
        """Ids and token-type ids of one model input (``second`` = hypothesis for NLI)."""
        if second is None:
            pre, suf = self.single
            ids = [*pre, *first, *suf]
            return ids, [self.type_a] * len(ids)
        pre, mid, suf = self.pair
        ids = [*pre, *first, *mid, *second, *suf]
        n_a = len(pre) + len(first) + len(mid)
        return ids, [self.type_a] * n_a + [self.type_b] * (len(ids) - n_a)


def _find(seq: Sequence[int], sub: Sequence[int], start: int) -> int:
    n = len(sub)
    for i in range(start, len(seq) - n + 1):
        if list(seq[i:i + n]) == list(sub):
            return i
    return -1


def window_spans(n_tokens: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Start/end of overlapping windows covering ``n_tokens`` body tokens.

    ``size`` body tokens per window, consecutive windows share ``stride`` tokens (the Hugging Face
    meaning of stride). An empty body gives one empty window so every document gets a score.

    >>> window_spans(10, 4, 1)
    [(0, 4), (3, 7), (6, 10)]
    >>> window_spans(0, 4, 1)
    [(0, 0)]
    """
    if size < 1:
        raise ValueError(f"window of {size} body tokens: raise max_length or shorten the title/hypothesis")
    step = max(1, size - max(0, stride))
    if n_tokens <= size:
        return [(0, n_tokens)]
    spans, start = [], 0
    while True:
        end = min(start + size, n_tokens)
        spans.append((start, end))
        if end >= n_tokens:
            return spans
        start += step


@dataclass
class Windows:
    """Token windows of a batch of documents.

    ``ids[w]``/``types[w]``: the model input of window ``w`` without padding; ``doc[w]``: the
    document it came from; ``pair[w]``: index of the second sequence (hypothesis) or -1.
    """

    ids: list[list[int]]
    types: list[list[int]]
    doc: np.ndarray
    pair: np.ndarray
    n_docs: int


def encode_windows(tokenizer, docs: Sequence[Any], *, max_length: int, stride: int,
                   template: SpecialTemplate | None = None,
                   seconds: Sequence[Sequence[int]] | None = None,
                   second_for_doc=None) -> Windows:
    """Tokenise documents into windows of at most ``max_length`` ids (special tokens included).

    Parameters
    ----------
    tokenizer : a Hugging Face tokenizer
    docs : Documents, dicts with ``title``/``text``, or strings
    max_length, stride : window size and overlap in tokens
    seconds : optional second sequences (token ids, e.g. NLI hypotheses); when given, every window
        is paired with every sequence listed by ``second_for_doc(i)`` (default: all of them)
    """
    template = template or SpecialTemplate.from_tokenizer(tokenizer)
    parts = [split_title(d) for d in docs]
    enc = _ids_batch(tokenizer, [b for _, b in parts])
    titles = _ids_batch(tokenizer, [t for t, _ in parts])
    paired = seconds is not None
    n_spec = template.n_special(paired)
    ids, types, doc_of, pair_of = [], [], [], []
    for i, (body, title) in enumerate(zip(enc, titles)):
        title = title[: int(max_length * MAX_TITLE_SHARE)]
        which = (second_for_doc(i) if second_for_doc else range(len(seconds))) if paired else [-1]
        for h in which:
            second = seconds[h] if paired else None
            budget = max_length - n_spec - len(title) - (len(second) if paired else 0)
            if budget < 1:
                raise ValueError(f"max_length={max_length} leaves {budget} body tokens for document {i} ({n_spec} "
                                 f"special, {len(title)} title, {len(second) if paired else 0} hypothesis tokens): "
                                 f"raise max_length or shorten the hypothesis")
            for s, e in window_spans(len(body), budget, stride):
                x, t = template.build(title + body[s:e], second)
                ids.append(x)
                types.append(t)
                doc_of.append(i)
                pair_of.append(h)
    return Windows(ids, types, np.asarray(doc_of, dtype=np.int64), np.asarray(pair_of, dtype=np.int64), len(docs))


def _ids_batch(tokenizer, texts: list[str]) -> list[list[int]]:
    if not texts:
        return []
    out = tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    return [list(x) for x in out]


def pool_windows(scores: np.ndarray, doc: np.ndarray, n_docs: int, how: str = "max") -> np.ndarray:
    """Pool window scores (n_windows, k) into document scores (n_docs, k) by ``max`` or ``mean``.

    >>> pool_windows(np.array([[.1], [.9], [.4]]), np.array([0, 0, 1]), 2, "max").ravel().tolist()
    [0.9, 0.4]
    >>> pool_windows(np.array([[.1], [.9], [.4]]), np.array([0, 0, 1]), 2, "mean").ravel().tolist()
    [0.5, 0.4]
    """
    scores = np.asarray(scores, dtype=float)
    k = scores.shape[1] if scores.ndim == 2 else 1
    scores = scores.reshape(len(scores), k)
    if how == "max":
        out = np.full((n_docs, k), -np.inf)
        np.maximum.at(out, doc, scores)
        out[np.isinf(out)] = 0.0
        return out
    if how == "mean":
        tot = np.zeros((n_docs, k))
        np.add.at(tot, doc, scores)
        cnt = np.bincount(doc, minlength=n_docs).astype(float)[:, None]
        return tot / np.maximum(cnt, 1.0)
    raise ValueError(f"pooling must be 'max' or 'mean', got {how!r}")


def pad_batch(ids: Iterable[Sequence[int]], types: Iterable[Sequence[int]], pad_id: int):
    """Right-pad a batch → numpy ``(input_ids, token_type_ids, attention_mask)``, int64."""
    ids, types = list(ids), list(types)
    n = max((len(x) for x in ids), default=0)
    X = np.full((len(ids), n), pad_id, dtype=np.int64)
    T = np.zeros((len(ids), n), dtype=np.int64)
    M = np.zeros((len(ids), n), dtype=np.int64)
    for r, (x, t) in enumerate(zip(ids, types)):
        X[r, :len(x)] = x
        T[r, :len(t)] = t
        M[r, :len(x)] = 1
    return X, T, M
