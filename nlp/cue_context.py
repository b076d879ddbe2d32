"""Sentence-level cue context: is a label's cue *framed* as the label, or used in an excluded context?

Decision rules 7 and 8 make Health and Digital Silk Road a matter of framing: a technology word
counts as DSR when the text presents technology *cooperation*, not when a company is named in a
sanctions dispute. Bag-of-words features cannot see that a cue and a framing word share a
sentence, so this module counts, per document and label, the sentences holding both a cue and
one of the label's ``frame_cues`` (framed) or both a cue and one of its ``counter_cues``
(disputed). Labels without frame or counter cues get zeros.

The ``linear`` model gets these counts from :func:`nlp.cues.cue_features`, which shares one
Aho-Corasick pass with the cue counts; :meth:`CueContext.counts` is the stand-alone version and
its ``reference=True`` scan the definition both must equal.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import cached_property
from typing import Sequence

import numpy as np

from nlp.codebook import Codebook

__all__ = ["CueContext"]

_SENTENCE_END = re.compile(r"[。！？!?\n；;]|\.(?=\s|$)")


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _phrases(mapping) -> tuple[tuple[str, bool, bool], ...]:
    out = []
    for phrases in mapping.values():
        for p in phrases:
            c = p.lower()
            out.append((c, bool(re.match(r"[0-9a-z]", c)), bool(re.search(r"[0-9a-z]$", c))))
    return tuple(sorted(set(out)))


def _sentences_with(low: str, phrases, ends: list[int]) -> set[int]:
    """Indices of the sentences of ``low`` containing any of ``phrases`` (word-bounded for Latin)."""
    found: set[int] = set()
    n = len(low)
    for c, lb, rb in phrases:
        k = low.find(c)
        while k >= 0:
            e = k + len(c)
            if not (lb and k > 0 and _is_word(low[k - 1])) and not (rb and e < n and _is_word(low[e])):
                found.add(bisect_right(ends, k))
            k = low.find(c, k + 1)
    return found


class CueContext:
    """Count framed and disputed cue sentences per label.

    Parameters
    ----------
    codebook : Codebook
        Source of ``cues``, ``frame_cues`` and ``counter_cues``.
    """

    def __init__(self, codebook: Codebook):
        self.codebook = codebook

    @cached_property
    def _payloads(self) -> dict[str, tuple[int, tuple[tuple[int, int, bool, bool], ...]]]:
        """Every cue/frame/counter phrase of the labels concerned → ``(length, entries)``, one
        ``(kind, label, left boundary, right boundary)`` entry per listing (kind 0 cue, 1 frame
        cue, 2 counter-cue)."""
        table: dict[str, list[tuple[int, int, bool, bool]]] = {}
        for j, cues, frames, counters in self._labels:
            for kind, phrases in ((0, cues), (1, frames), (2, counters)):
                for c, lb, rb in phrases:
                    table.setdefault(c, []).append((kind, j, lb, rb))
        return {c: (len(c), tuple(entries)) for c, entries in table.items()}

    @cached_property
    def _automaton(self):
        """One Aho-Corasick automaton mapping every phrase of :attr:`_payloads` to its payload
        (``pyahocorasick``), or None when the package is absent or there are no phrases (then
        :meth:`counts` scans per phrase)."""
        if not self._payloads:
            return None
        try:
            import ahocorasick
        except ImportError:  # optional speed-up
            return None
        auto = ahocorasick.Automaton()
        for c, pay in self._payloads.items():
            auto.add_word(c, pay)
        auto.make_automaton()
        return auto

    @cached_property
    def _labels(self) -> list[tuple[int, tuple, tuple, tuple]]:
        out = []
        for j, lab in enumerate(self.codebook.labels):
            if lab.frame_cues or lab.counter_cues:
                out.append((j, _phrases(lab.cues), _phrases(lab.frame_cues), _phrases(lab.counter_cues)))
        return out

    def counts(self, texts: Sequence[str], *, reference: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(framed, disputed), each of shape (n_texts, n_labels).

        ``reference=True`` forces the plain per-phrase scan (the definition the fast path must equal).
        """
        L = self.codebook.n_labels
        framed = np.zeros((len(texts), L), dtype=np.float32)
        disputed = np.zeros((len(texts), L), dtype=np.float32)
        if not self._labels:
            return framed, disputed
        auto = None if reference else self._automaton
        if auto is not None:
            for i, t in enumerate(texts):
                self._fast(t.lower(), auto, framed[i], disputed[i])
            return framed, disputed
        for i, t in enumerate(texts):
            low = t.lower()
            ends = [m.start() for m in _SENTENCE_END.finditer(low)]
            for j, cues, frames, counters in self._labels:
                with_cue = _sentences_with(low, cues, ends)
                if not with_cue:
                    continue
                if frames:
                    framed[i, j] = len(with_cue & _sentences_with(low, frames, ends))
                if counters:
                    disputed[i, j] = len(with_cue & _sentences_with(low, counters, ends))
        return framed, disputed

    @staticmethod
    def _fast(low: str, auto, framed_row: np.ndarray, disputed_row: np.ndarray) -> None:
        ends = [m.start() for m in _SENTENCE_END.finditer(low)]
        n = len(low)
        hits: dict[tuple[int, int], set[int]] = {}
        for end, (length, entries) in auto.iter(low):
            k = end - length + 1
            e = end + 1
            left_word = k > 0 and _is_word(low[k - 1])
            right_word = e < n and _is_word(low[e])
            sent = None
            for kind, j, lb, rb in entries:
                if (lb and left_word) or (rb and right_word):
                    continue
                if sent is None:
                    sent = bisect_right(ends, k)
                hits.setdefault((kind, j), set()).add(sent)
        for (kind, j), sents in hits.items():
            if kind:
                continue
            if (1, j) in hits:
                framed_row[j] = len(sents & hits[(1, j)])
            if (2, j) in hits:
                disputed_row[j] = len(sents & hits[(2, j)])
