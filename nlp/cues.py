"""Codebook cue matching: counts of each label's zh/en cue phrases in a text.

Shared by the ``lexicon`` baseline (scores from cues) and the ``linear`` model (cue counts as
extra features). Matching is on normalised, lower-cased text; a cue preceded closely by a negation
(不, 没有, 并非, not, no, never …) or inside quotation marks (the speaker quoting what they reject,
e.g. 所谓"中国病毒") is counted separately, so models can learn what such contexts mean.

Speed: with the optional ``pyahocorasick`` package, every phrase is found in ONE pass over the
text (an Aho-Corasick automaton) and the matches are then resolved exactly as the reference scan
(one ``str.find`` loop per cue, longest cue first) resolves them; without it the reference scan
is used. Both give identical counts (``tests/test_speedpaths.py`` checks this).
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


_NEG_ZH_RE = re.compile("|".join(map(re.escape, _NEG_ZH)))
_NEG_EN_RE = re.compile("|".join(map(re.escape, _NEG_EN)))


def _hedged_reference(low: str, s: int) -> bool:
    """Is the match starting at ``s`` inside quotation marks or under a nearby negation (Chinese
    negation in the 4 characters before it, English in the 12 before it)?"""
    before = low[max(0, s - 6):s]
    quoted = s > 0 and low[s - 1] in _QUOTES
    return quoted or any(n in before[-4:] for n in _NEG_ZH) or any(n in low[max(0, s - 12):s] for n in _NEG_EN)


def _hedged(low: str, s: int) -> bool:
    """:func:`_hedged_reference` with one regex search per window (``pos``/``endpos`` bound the
    search exactly as slicing would) instead of one substring test per negation."""
    if s > 0 and low[s - 1] in _QUOTES:
        return True
    return (_NEG_ZH_RE.search(low, max(0, s - 4), s) is not None
            or _NEG_EN_RE.search(low, max(0, s - 12), s) is not None)


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

    def counter_counts(self, texts: Sequence[str], *, reference: bool = False) -> np.ndarray:
        """Counts of each label's counter-cues (contexts its decision rules exclude), (n_texts, n_labels)."""
        if not reference and self._automaton is not None:
            return self.all_counts(texts)[2]
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

    def _iter_matches_reference(self, low: str):
        """Yield (start, cue, columns) for non-overlapping matches, longest cue first (like a
        longest-match alternation); Latin cues must sit on word boundaries ("who" ≠ "whole").

        The reference definition of a match (one ``str.find`` scan per cue); the fast path
        (:meth:`_scan`) must accept exactly the same matches."""
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

    def counts(self, texts: Sequence[str], *, reference: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Return (plain, hedged) count matrices, each (n_texts, n_labels).

        ``hedged`` counts cues under a nearby negation or inside quotation marks.
        ``reference=True`` forces the simple per-cue scan.
        """
        if not reference and self._automaton is not None:
            return self.all_counts(texts)[:2]
        L = self.codebook.n_labels
        plain = np.zeros((len(texts), L), dtype=np.float32)
        hedged = np.zeros((len(texts), L), dtype=np.float32)
        for i, t in enumerate(texts):
            low = t.lower()
            for s, _, cols in self._iter_matches_reference(low):
                target = hedged if _hedged_reference(low, s) else plain
                for j in cols:
                    target[i, j] += 1
        return plain, hedged

    # ---- one-pass matching (Aho-Corasick) --------------------------------------------------------
    @cached_property
    def _automaton(self):
        """One Aho-Corasick automaton over every cue and counter-cue phrase, or None when the
        optional ``pyahocorasick`` package is absent (then the per-cue reference scan is used).

        Each phrase maps to ``(length, rank, columns, counter columns, left boundary, right
        boundary)``: ``rank`` is the phrase's position in the longest-first cue order (-1 when it
        is only a counter-cue), ``counter columns`` one entry per counter-cue listing.
        """
        try:
            import ahocorasick
        except ImportError:
            return None
        phrases: dict[str, list] = {}
        for rank, (c, cols, lb, rb) in enumerate(self._cues):
            phrases[c] = [rank, cols, [], lb, rb]
        for c, j, lb, rb in self._counter:
            phrases.setdefault(c, [-1, (), [], lb, rb])[2].append(j)
        if any(len(c) == 0 for c in phrases):
            return None  # an empty phrase matches everywhere: leave it to the reference scan
        auto = ahocorasick.Automaton()
        for c, (rank, cols, ctr, lb, rb) in phrases.items():
            auto.add_word(c, (len(c), rank, cols, tuple(ctr), lb, rb))
        auto.make_automaton()
        return auto

    def _scan(self, low: str, auto) -> tuple[list[tuple[int, str, tuple[int, ...]]], list[int]]:
        """All cue matches of ``low`` as the reference scan accepts them, and the counter-cue
        label columns hit (one entry per counted occurrence), from ONE pass over the text.

        Every occurrence of every phrase (overlapping ones included) is found at once; the
        occurrences that pass the word-boundary test are then accepted in the reference order —
        cue rank (longest first), then start — skipping any that overlaps an accepted one, which
        is exactly what the per-cue ``str.find`` loop of :meth:`_iter_matches_reference` does.
        """
        size = len(low)
        occ = []
        counter: list[int] = []
        for end, (n, rank, cols, ctr, lb, rb) in auto.iter(low):
            s = end - n + 1
            if lb and s > 0 and _is_word(low[s - 1]):
                continue
            if rb and end + 1 < size and _is_word(low[end + 1]):
                continue
            if ctr:
                counter.extend(ctr)
            if rank >= 0:
                occ.append((rank, s, n, cols))
        if len(occ) <= 1:
            return [(s, self._cues[rank][0], cols) for rank, s, n, cols in occ], counter
        occ.sort()
        taken = bytearray(size)
        out = []
        for rank, s, n, cols in occ:
            if taken.find(1, s, s + n) < 0:
                taken[s:s + n] = b"\x01" * n
                out.append((s, self._cues[rank][0], cols))
        return out, counter

    def _iter_matches(self, low: str):
        """(start, cue, columns) of the accepted matches of ``low`` (fast path when available)."""
        auto = self._automaton
        if auto is None:
            return self._iter_matches_reference(low)
        return iter(self._scan(low, auto)[0])

    def all_counts(self, texts: Sequence[str], *, reference: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(plain, hedged, counter)`` count matrices, each (n_texts, n_labels), in one pass per text.

        Equal to ``(*counts(texts), counter_counts(texts))``; ``reference=True`` forces the
        simple per-cue scan (what the fast path is tested against).
        """
        auto = None if reference else self._automaton
        if auto is None:
            return (*self.counts(texts, reference=True), self.counter_counts(texts, reference=True))
        L = self.codebook.n_labels
        plain = np.zeros((len(texts), L), dtype=np.float32)
        hedged = np.zeros((len(texts), L), dtype=np.float32)
        counter = np.zeros((len(texts), L), dtype=np.float32)
        for i, t in enumerate(texts):
            low = t.lower()
            found, ctr = self._scan(low, auto)
            for j in ctr:
                counter[i, j] += 1
            for s, _, cols in found:
                target = hedged if _hedged(low, s) else plain
                for j in cols:
                    target[i, j] += 1
        return plain, hedged, counter

    def matches(self, text: str, *, reference: bool = False) -> dict[str, list[str]]:
        """Label id → the cue phrases found in ``text`` (for explanations)."""
        out: dict[str, list[str]] = {}
        low = text.lower()
        found = self._iter_matches_reference(low) if reference else self._iter_matches(low)
        for _, cue, cols in sorted(found):
            for j in cols:
                out.setdefault(self.codebook.label_ids[j], []).append(cue)
        return out
