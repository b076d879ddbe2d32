"""Codebook cue matching: counts of each label's zh/en cue phrases in a text.

Shared by the ``lexicon`` baseline (scores from cues) and the ``linear`` model (cue counts as
extra features). Matching is on normalised, lower-cased text; a cue preceded closely by a negation
(不, 没有, 并非, not, no, never …) or inside quotation marks (the speaker quoting what they reject,
e.g. 所谓"中国病毒") is counted separately, so models can learn what such contexts mean.
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import Sequence

import numpy as np

from nlp.codebook import Codebook

__all__ = ["CueMatcher"]


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()

_NEG_ZH = ("不", "没有", "并非", "并不", "无", "未", "不是")
_NEG_EN = ("not ", "no ", "never ", "n't ", "without ")
_QUOTES = "\"“”「」『』'‘’"


class CueMatcher:
    """Count codebook cues per label in texts.

    Parameters
    ----------
    codebook : Codebook
        Source of the cue phrases (all languages are matched in every text: official Chinese
        texts quote English terms and vice versa).
    """

    def __init__(self, codebook: Codebook):
        self.codebook = codebook

    @cached_property
    def _cues(self) -> list[tuple[str, tuple[int, ...], bool, bool]]:
        """(cue, label columns, needs left word boundary, needs right word boundary), longest first."""
        cue_to_labels: dict[str, list[int]] = {}
        for j, lab in enumerate(self.codebook.labels):
            for phrases in lab.cues.values():
                for p in phrases:
                    cols = cue_to_labels.setdefault(p.lower(), [])
                    if j not in cols:
                        cols.append(j)
        out = []
        for c in sorted(cue_to_labels, key=lambda c: (-len(c), c)):
            out.append((c, tuple(cue_to_labels[c]), bool(re.match(r"[0-9a-z]", c)), bool(re.search(r"[0-9a-z]$", c))))
        return out

    @cached_property
    def _counter(self) -> list[tuple[str, int, bool, bool]]:
        out = []
        for j, lab in enumerate(self.codebook.labels):
            for phrases in lab.counter_cues.values():
                for p in phrases:
                    c = p.lower()
                    out.append((c, j, bool(re.match(r"[0-9a-z]", c)), bool(re.search(r"[0-9a-z]$", c))))
        return out

    def counter_counts(self, texts: Sequence[str]) -> np.ndarray:
        """Counts of each label's counter-cues (contexts its decision rules exclude), (n_texts, n_labels)."""
        L = self.codebook.n_labels
        out = np.zeros((len(texts), L), dtype=np.float32)
        if not self._counter:
            return out
        for i, t in enumerate(texts):
            low = t.lower()
            for c, j, lb, rb in self._counter:
                k = low.find(c)
                while k >= 0:
                    e = k + len(c)
                    if not (lb and k > 0 and _is_word(low[k - 1])) and not (rb and e < len(low) and _is_word(low[e])):
                        out[i, j] += 1
                    k = low.find(c, k + 1)
        return out

    def _iter_matches(self, low: str):
        """Yield (start, cue, columns) for non-overlapping matches, longest cue first (like a
        longest-match alternation); Latin cues must sit on word boundaries ("who" ≠ "whole")."""
        taken = bytearray(len(low))
        for cue, cols, lb, rb in self._cues:
            n = len(cue)
            i = low.find(cue)
            while i >= 0:
                j = i + n
                ok = not (lb and i > 0 and _is_word(low[i - 1])) and not (rb and j < len(low) and _is_word(low[j]))
                if ok and not any(taken[i:j]):
                    taken[i:j] = b"\x01" * n
                    yield i, cue, cols
                i = low.find(cue, i + 1)

    def counts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return (plain, hedged) count matrices, each (n_texts, n_labels).

        ``hedged`` counts cues under a nearby negation or inside quotation marks.
        """
        L = self.codebook.n_labels
        plain = np.zeros((len(texts), L), dtype=np.float32)
        hedged = np.zeros((len(texts), L), dtype=np.float32)
        for i, t in enumerate(texts):
            low = t.lower()
            for s, _, cols in self._iter_matches(low):
                before = low[max(0, s - 6):s]
                quoted = s > 0 and low[s - 1] in _QUOTES
                neg = any(n in before[-4:] for n in _NEG_ZH) or any(n in low[max(0, s - 12):s] for n in _NEG_EN)
                target = hedged if (quoted or neg) else plain
                for j in cols:
                    target[i, j] += 1
        return plain, hedged

    def matches(self, text: str) -> dict[str, list[str]]:
        """Label id → the cue phrases found in ``text`` (for explanations)."""
        out: dict[str, list[str]] = {}
        for _, cue, cols in sorted(self._iter_matches(text.lower())):
            for j in cols:
                out.setdefault(self.codebook.label_ids[j], []).append(cue)
        return out
