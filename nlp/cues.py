"""Codebook cue matching: counts of each label's zh/en cue phrases in a text.

Shared by the ``lexicon`` baseline (scores from cues) and the ``linear`` model (cue counts as
extra features). Matching is on normalised, lower-cased text; a cue preceded closely by a negation
(不, 没有, 并非, not, no, never …) or inside quotation marks (the speaker quoting what they reject,
e.g. 所谓"中国病毒") is counted separately, so models can learn what such contexts mean.

Speed: with ``pyahocorasick``, every phrase is found in ONE pass over the text (an Aho-Corasick
automaton) and the matches are then resolved exactly as the reference scan (one ``str.find``
loop per cue, longest cue first) resolves them; without it the reference scan is used. Both give
identical counts (``tests/test_speedpaths.py`` checks this). :func:`cue_features` (what the
``linear`` model calls) also counts the sentence-level cue context of :mod:`nlp.cue_context` from
the same pass, so each text is lowered and scanned once, by ``ahocorasick_rs`` (a Rust DFA that
returns every match in one call) when installed, else by ``pyahocorasick``.
"""
from __future__ import annotations

import functools
import re
from functools import cached_property
from typing import Sequence

import numpy as np

from nlp.codebook import Codebook

__all__ = ["CueMatcher", "cue_features"]


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# the characters _is_word accepts, for set lookups in the hot loop
_ASCII_WORD = frozenset(c for c in map(chr, range(128)) if c.isalnum())

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
    def _payloads(self) -> dict[str, tuple] | None:
        """Every cue and counter-cue phrase → ``(length, rank, columns, counter columns, left
        boundary, right boundary)``: ``rank`` is the phrase's position in the longest-first cue
        order (-1 when it is only a counter-cue), ``counter columns`` one entry per counter-cue
        listing. None when a phrase is empty (it matches everywhere: the reference scan handles it).
        """
        phrases: dict[str, list] = {}
        for rank, (c, cols, lb, rb) in enumerate(self._cues):
            phrases[c] = [rank, cols, [], lb, rb]
        for c, j, lb, rb in self._counter:
            phrases.setdefault(c, [-1, (), [], lb, rb])[2].append(j)
        if any(len(c) == 0 for c in phrases):
            return None
        return {c: (len(c), rank, cols, tuple(ctr), lb, rb) for c, (rank, cols, ctr, lb, rb) in phrases.items()}

    @cached_property
    def _automaton(self):
        """One Aho-Corasick automaton mapping every phrase of :attr:`_payloads` to its payload, or
        None when the optional ``pyahocorasick`` package is absent (then the per-cue reference
        scan is used)."""
        payloads = self._payloads
        if payloads is None:
            return None
        try:
            import ahocorasick
        except ImportError:
            return None
        auto = ahocorasick.Automaton()
        for c, pay in payloads.items():
            auto.add_word(c, pay)
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


# ---- cue counts and sentence-level cue context from ONE scan --------------------------------------
def _fused_automaton(matcher: CueMatcher, context):
    """A :func:`_scanner` over the phrases of ``matcher`` and of ``context`` (a
    :class:`nlp.cue_context.CueContext` of the same codebook), or None when there is no fast path
    (an empty phrase, or neither Aho-Corasick package installed). Built once per (matcher, context) pair.

    Each phrase maps to :attr:`CueMatcher._payloads`'s payload plus the ``(kind, label)`` entries
    of ``context`` (kind 0 cue, 1 frame cue, 2 counter-cue). The word-boundary flags of a phrase
    depend on the phrase alone in both modules, so one boundary test serves both.
    """
    key = id(context)
    cache = matcher.__dict__.setdefault("_fused_cache", {})
    hit = cache.get(key)
    if hit is not None and hit[0] is context:
        return hit[1]
    auto = None
    if matcher._payloads is not None and context._payloads is not None:
        table: dict[str, list] = {}
        for c, (n, rank, cols, ctr, lb, rb) in matcher._payloads.items():
            table[c] = [n, rank, cols, ctr, lb, rb, []]
        for c, (n, entries) in context._payloads.items():
            row = table.get(c)
            if row is None:
                lb, rb = entries[0][2], entries[0][3]
                row = table[c] = [n, -1, (), (), lb, rb, []]
            for kind, j, lb, rb in entries:
                if (lb, rb) != (row[4], row[5]):
                    row = None
                    break
                row[6].append((kind, j))
            if row is None:  # cannot happen with phrase-derived flags; keep the separate passes then
                table = {}
                break
        if table:
            auto = _scanner({c: (n, rank, cols, ctr, lb, rb, tuple(ctx))
                             for c, (n, rank, cols, ctr, lb, rb, ctx) in table.items()})
    cache[key] = (context, auto)
    return auto


def _scanner(payloads: dict[str, tuple]):
    """``(scan, pay)``: ``scan(low)`` lists every occurrence of every phrase of ``payloads`` as
    ``(k, start, end)`` (overlapping ones included, in any order; ``end`` exclusive), and
    ``pay[k]`` is the payload of the phrase found.

    With ``ahocorasick_rs`` (Rust, one call per text returns every match: ~2.5x faster here) one
    DFA over all phrases; otherwise two ``pyahocorasick`` automata, one for ASCII phrases run
    only over the ASCII stretches and one for the others (smaller automata scan faster there).
    Both report the same occurrences (``tests/test_speedpaths.py``). None when neither package
    is installed.
    """
    phrases = list(payloads)
    pay = [payloads[c] for c in phrases]
    try:
        import ahocorasick_rs
    except ImportError:
        ahocorasick_rs = None
    if ahocorasick_rs is not None:
        ac = ahocorasick_rs.AhoCorasick(phrases, implementation=ahocorasick_rs.Implementation.DFA)
        return functools.partial(ac.find_matches_as_indexes, overlapping=True), pay
    try:
        import ahocorasick
    except ImportError:
        return None

    parts = []
    for ascii_ in (True, False):
        a = ahocorasick.Automaton()
        for k, c in enumerate(phrases):
            if c.isascii() == ascii_:
                a.add_word(c, (k, len(c)))
        if len(a):
            a.make_automaton()
        parts.append(a if len(a) else None)
    ascii_auto, other_auto = parts
    ascii_runs = re.compile("[\\x00-\\x7f]{%d,}" % min((len(c) for c in phrases if c.isascii()), default=1))

    def scan_py(low: str) -> list:
        if low.isascii():
            found = ascii_auto.iter(low) if ascii_auto is not None else ()
        else:
            found = list(other_auto.iter(low)) if other_auto is not None else []
            if ascii_auto is not None:
                for m in ascii_runs.finditer(low):
                    found.extend(ascii_auto.iter(low, m.start(), m.end()))
        return [(k, end - n + 1, end + 1) for end, (k, n) in found]

    return scan_py, pay


def cue_features(matcher: CueMatcher, context, texts: Sequence[str]) -> list[np.ndarray]:
    """``[plain, hedged, counter, framed, disputed]`` count matrices (n_texts, n_labels) from one
    Aho-Corasick pass per text over every cue, counter-cue and frame-cue phrase.

    Equal to ``[*matcher.all_counts(texts), *context.counts(texts)]`` (``context`` None: the first
    three only); falls back to those calls when ``pyahocorasick`` is absent.
    """
    auto = _fused_automaton(matcher, context) if context is not None else None
    if auto is None:
        blocks = list(matcher.all_counts(texts))
        if context is not None:
            blocks.extend(context.counts(texts))
        return blocks
    from bisect import bisect_right

    from nlp.cue_context import _SENTENCE_END

    scan, pay = auto
    L = matcher.codebook.n_labels
    n_texts = len(texts)
    block = n_texts * L  # flat index of (block b, text i, label j): b * block + i * L + j
    flat: list[int] = []  # one entry per count (counts are small integers: bincount is exact)
    add = flat.append
    word_chars = _ASCII_WORD
    hedged_at = _hedged
    for i, t in enumerate(texts):
        low = t.lower()
        size = len(low)
        occ = []
        ctx_hits = []
        row = i * L
        for k, s, end in scan(low):
            n, rank, cols, ctr, lb, rb, ctx = pay[k]
            if lb and s > 0 and low[s - 1] in word_chars:
                continue
            if rb and end < size and low[end] in word_chars:
                continue
            if ctr:
                for j in ctr:
                    add(2 * block + row + j)
            if rank >= 0:
                occ.append((rank, s, n, cols))
            if ctx:
                ctx_hits.append((s, ctx))
        if occ:
            if len(occ) > 1:
                occ.sort()
                taken = bytearray(size)
                for rank, s, n, cols in occ:
                    if taken.find(1, s, s + n) < 0:
                        taken[s:s + n] = b"\x01" * n
                        base = block + row if hedged_at(low, s) else row
                        for j in cols:
                            add(base + j)
            else:
                rank, s, n, cols = occ[0]
                base = block + row if hedged_at(low, s) else row
                for j in cols:
                    add(base + j)
        if ctx_hits:
            starts: dict[tuple[int, int], list[int]] = {}
            for s, ctx in ctx_hits:
                for kj in ctx:
                    lst = starts.get(kj)
                    if lst is None:
                        starts[kj] = [s]
                    else:
                        lst.append(s)
            ends = None
            for (kind, j), ks in starts.items():
                if kind or ((1, j) not in starts and (2, j) not in starts):
                    continue
                if ends is None:
                    ends = [m.start() for m in _SENTENCE_END.finditer(low)]
                sents = {bisect_right(ends, k) for k in ks}
                for other, b in ((1, 3), (2, 4)):
                    ko = starts.get((other, j))
                    if ko is not None:
                        c = len(sents.intersection([bisect_right(ends, k) for k in ko]))
                        if c:
                            flat.extend([b * block + row + j] * c)
    counts = np.bincount(np.fromiter(flat, dtype=np.int64, count=len(flat)), minlength=5 * block)
    return list(counts.astype(np.float32).reshape(5, n_texts, L))
