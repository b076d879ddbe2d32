"""Framing over time: period bucketing, per-period shares with intervals, smoothing, paired differences.

The computations here are pure functions over records and arrays (records in, a
:class:`TrendResult` out) so they can be checked against hand-computed numbers. A short I/O
section at the end reads tagged files and events and writes the report files; the
``silkframe trend`` command calls :func:`build_trend_report`, which ties them together.

Measures (``measure`` column of the tidy table), per period and group:

``storytelling_index``
    Share of documents with any storytelling theme (the codebook's ``storytelling`` list,
    Roy's R1-R4).
``label:<id>``
    Share of documents with each label, in codebook order (the four themes are among them).
``silk_road:<health|digital|general|none>``
    Share of documents in each Silk Road category (``general`` = both health and digital).

Two ways of counting (``measure=``):

``"labels"`` (default)
    Thresholded labels: each document counts 0 or 1. Intervals are Wilson score 95% intervals.
``"probs"``
    Mean model probabilities, less sensitive to the threshold. The index uses
    P(any theme) = 1 - prod_i (1 - p_i) per document (themes treated as independent given the
    text, the usual noisy-OR; it equals the labels index when probabilities are 0/1), and the Silk
    Road categories use p_h (1 - p_d), p_d (1 - p_h), p_h p_d and (1 - p_h)(1 - p_d), so the four
    shares sum to one. Intervals are normal-approximation 95% intervals of the mean
    (mean +- 1.96 sd / sqrt(n), sample sd, clipped to [0, 1]; none when n < 2).

``--among <label>`` restricts every denominator to documents carrying that label (normally the
codebook's ``context_label``, ``covid``). In probs mode documents are selected by their thresholded
``labels`` when the record has them, otherwise by probability >= 0.5.

Smoothing (``smooth=K``) is a trailing, n-weighted window: the smoothed share of a period pools the
numerators and denominators of that period and the K-1 before it (empty periods add nothing). A
period with no documents of its own gets no smoothed value (NaN), so the smoothed line never
runs through months a group has no data for. It is written in its own ``smoothed`` column and
never replaces the raw ``value``.
"""
from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from nlp.codebook import SILK_ROAD_CATEGORIES, Codebook, CodebookError

__all__ = [
    "DEFAULT_TZ", "INDEX", "PERIODS", "TrendError", "TrendResult", "parse_date", "period_key",
    "period_bounds", "period_range", "wilson_interval", "mean_interval", "newcombe_difference",
    "compute_trends", "paired_difference", "render_summary", "read_tagged", "read_events",
    "write_trend_csv", "build_trend_report",
]

DEFAULT_TZ = "Asia/Shanghai"
PERIODS = ("month", "week", "quarter")
MEASURES = ("labels", "probs")
INDEX = "storytelling_index"
Z95 = 1.959963984540054
MISSING_GROUP = "(missing)"
CSV_COLUMNS = ("period", "group", "measure", "value", "low", "high", "n", "low_n")


class TrendError(ValueError):
    """Options or inputs that make a trend impossible; the message says what to change."""


# ---------------------------------------------------------------------------------------
# dates and periods
# ---------------------------------------------------------------------------------------
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _zone(tz: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise TrendError(f"unknown time zone {tz!r}; give an IANA name such as 'Asia/Shanghai' or 'UTC'") from None


def parse_date(value: Any, *, tz: str = DEFAULT_TZ) -> tuple[date, str]:
    """Calendar date of an ISO date or datetime, and its precision.

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime, pandas.Timestamp or numpy.datetime64
        ``YYYY-MM-DD``, ``YYYY-MM`` (month precision), or an ISO 8601 datetime. An aware
        datetime (``Z``, ``+00:00``...) is converted to ``tz`` before its date is taken, so
        ``2020-01-22T17:00:00Z`` is 2020-01-23 in Asia/Shanghai; a naive one is taken as local.
    tz : str
        IANA time zone that aware datetimes are converted to.

    Returns
    -------
    (datetime.date, str)
        The date (first of the month for month precision) and ``"day"`` or ``"month"``.

    Raises
    ------
    ValueError
        Missing or unparseable value; the message is the reason written to ``errors.jsonl``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("missing date")
    if type(value).__name__ in ("NaTType",) or (hasattr(value, "dtype") and str(value) == "NaT"):
        raise ValueError("missing date")
    if isinstance(value, np.datetime64):
        value = str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(_zone(tz))
        return date(value.year, value.month, value.day), "day"
    if isinstance(value, date):
        return value, "day"
    if not isinstance(value, str):
        raise ValueError(f"unparseable date {value!r}: expected an ISO 8601 string such as 2020-01-23")
    s = value.strip()
    if not s:
        raise ValueError("missing date")
    m = _MONTH_RE.match(s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), 1), "month"
        except ValueError:
            raise ValueError(f"unparseable date {s!r}: month out of range") from None
    try:
        if _DAY_RE.match(s):
            return date.fromisoformat(s), "day"
        text = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unparseable date {s!r}: expected ISO 8601 (YYYY-MM-DD, YYYY-MM or "
                         f"YYYY-MM-DDTHH:MM:SS[+08:00|Z])") from None
    return parse_date(dt, tz=tz)


def _check_by(by: str) -> None:
    if by not in PERIODS:
        raise TrendError(f"unknown period {by!r}; use one of: {', '.join(PERIODS)}")


def period_key(d: date, by: str = "month") -> str:
    """Label of the period containing ``d``: ``2020-01``, ``2020-W04`` (ISO week) or ``2020-Q1``."""
    _check_by(by)
    if by == "month":
        return f"{d.year:04d}-{d.month:02d}"
    if by == "quarter":
        return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def period_bounds(key: str, by: str = "month") -> tuple[date, date]:
    """First day of period ``key`` and first day of the next period (half-open interval)."""
    _check_by(by)
    if by == "month":
        y, m = int(key[:4]), int(key[5:7])
        return date(y, m, 1), (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1))
    if by == "quarter":
        y, q = int(key[:4]), int(key[-1])
        start = date(y, 3 * (q - 1) + 1, 1)
        return start, (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1))
    y, w = int(key[:4]), int(key[6:])
    start = date.fromisocalendar(y, w, 1)
    return start, date.fromordinal(start.toordinal() + 7)


def period_range(first: str, last: str, by: str = "month") -> list[str]:
    """All consecutive period labels from ``first`` to ``last`` inclusive (empty periods kept)."""
    out = [first]
    while out[-1] != last:
        nxt = period_key(period_bounds(out[-1], by)[1], by)
        out.append(nxt)
        if len(out) > 100_000:
            raise TrendError(f"period range {first}..{last} is too long for --by {by}")
    return out


# ---------------------------------------------------------------------------------------
# intervals
# ---------------------------------------------------------------------------------------
def wilson_interval(k: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n; ``(nan, nan)`` when n == 0.

    Clamped so that ``0 <= low <= k/n <= high <= 1`` holds exactly; without it rounding gives
    e.g. a low of 5.6e-17 above a share of 0.

    >>> [round(x, 4) for x in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, min(p, center - half)), min(1.0, max(p, center + half))


def mean_interval(total: float, total_sq: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Normal-approximation interval of a mean from its sum and sum of squares, clipped to [0, 1].

    Uses the sample standard deviation (ddof=1); ``(nan, nan)`` when n < 2.
    """
    if n < 2:
        return math.nan, math.nan
    mean = total / n
    var = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = z * math.sqrt(var / n)
    return max(0.0, mean - half), min(1.0, mean + half)


def newcombe_difference(k1: float, n1: int, k2: float, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Difference p1 - p2 of two independent proportions with Newcombe's hybrid score interval.

    Newcombe (1998), method 10: combines the two Wilson intervals, so it behaves well for
    small n and shares near 0 or 1. Returns ``(diff, low, high)``; all nan if either n is 0.
    """
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan, math.nan
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _mean_difference(s1, ss1, n1, s2, ss2, n2, z=Z95) -> tuple[float, float, float]:
    if n1 < 2 or n2 < 2:
        d = s1 / n1 - s2 / n2 if n1 and n2 else math.nan
        return d, math.nan, math.nan
    m1, m2 = s1 / n1, s2 / n2
    v1 = max(0.0, (ss1 - n1 * m1 * m1) / (n1 - 1))
    v2 = max(0.0, (ss2 - n2 * m2 * m2) / (n2 - 1))
    half = z * math.sqrt(v1 / n1 + v2 / n2)
    return m1 - m2, m1 - m2 - half, m1 - m2 + half


# ---------------------------------------------------------------------------------------
# records → per-document values
# ---------------------------------------------------------------------------------------
def _labels_of(rec: Mapping[str, Any], cb: Codebook) -> np.ndarray | None:
    """Binary label row from ``labels`` (list or ';'/','-joined string) or per-label 0/1 columns."""
    if "labels" in rec:
        raw = rec["labels"]
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            items: list[str] = []
        elif isinstance(raw, str):
            items = [t.strip() for t in re.split(r"[;,|]", raw) if t.strip()]
        else:
            items = [str(t) for t in raw]
        return cb.to_matrix([items])[0]
    if all(lid in rec for lid in cb.label_ids):
        row = []
        for lid in cb.label_ids:
            v = rec[lid]
            if isinstance(v, str):
                v = v.strip().lower() in ("1", "true", "yes")
            row.append(1 if v and not (isinstance(v, float) and math.isnan(v)) else 0)
        return np.array(row, dtype=np.int8)
    return None


def _probs_of(rec: Mapping[str, Any], cb: Codebook) -> np.ndarray | None:
    """Probability row from a ``probs`` mapping or ``p_<label_id>`` columns; None when absent."""
    probs = rec.get("probs")
    if isinstance(probs, str) and probs.strip().startswith("{"):
        probs = json.loads(probs)
    if isinstance(probs, Mapping):
        missing = [lid for lid in cb.label_ids if lid not in probs]
        if missing:
            raise ValueError(f"'probs' lacks label(s) {', '.join(missing)}")
        vals = [probs[lid] for lid in cb.label_ids]
    elif all(f"p_{lid}" in rec for lid in cb.label_ids):
        vals = [rec[f"p_{lid}"] for lid in cb.label_ids]
    else:
        return None
    try:
        arr = np.array([float(v) for v in vals], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"non-numeric probability among {vals!r}") from None
    if np.isnan(arr).any() or (arr < 0).any() or (arr > 1).any():
        raise ValueError("probabilities must be numbers in [0, 1]")
    return arr


def _doc_values(Y: np.ndarray, P: np.ndarray | None, cb: Codebook) -> tuple[list[str], np.ndarray]:
    """Per-document value of every measure: (measure names, array (n_docs, n_measures))."""
    measures = [INDEX] + [f"label:{lid}" for lid in cb.label_ids] + [f"silk_road:{c}" for c in SILK_ROAD_CATEGORIES]
    n = len(Y)
    if P is None:
        X = Y.astype(float)
        index = cb.storytelling_flag(Y).astype(float)
        cat = cb.silk_road_category(Y)
        silk = np.column_stack([(cat == c).astype(float) for c in SILK_ROAD_CATEGORIES]) if n else np.zeros((0, 4))
    else:
        X = P.astype(float)
        cols = [cb.index(s) for s in cb.storytelling]
        index = 1.0 - np.prod(1.0 - X[:, cols], axis=1) if cols else np.zeros(n)
        # a key missing from the scheme's silk_road mapping counts as never present, as in
        # Codebook.silk_road_category
        h, d = (X[:, cb.index(cb.silk_road[k])] if k in cb.silk_road else np.zeros(n) for k in ("health", "digital"))
        silk = np.column_stack([h * (1 - d), d * (1 - h), h * d, (1 - h) * (1 - d)]) if n else np.zeros((0, 4))
    return measures, np.column_stack([index[:, None], X, silk]) if n else np.zeros((0, len(measures)))


# ---------------------------------------------------------------------------------------
# the computation
# ---------------------------------------------------------------------------------------
@dataclass
class TrendResult:
    """Everything a trend report needs, computed by :func:`compute_trends`.

    Attributes
    ----------
    rows : list of dict
        The tidy table: period, group, measure, value, low, high, n, low_n (and smoothed when
        smoothing was asked for); ordered by measure, group, period.
    periods, groups, measures : list of str
        Axes of the table; periods are consecutive (empty ones kept with n = 0).
    N : ndarray (n_groups, n_periods)
        Denominators.
    S, SS : ndarray (n_groups, n_periods, n_measures)
        Sums and sums of squares of the per-document values (S is the count in labels mode).
    errors : list of dict
        ``{"file", "line", "id", "reason"}`` for every record left out for a reason.
    counts : dict
        ``read``, ``used``, ``errors``, ``excluded_among``.
    options : dict
        The options used (by, group, among, measure, smooth, min_n, tz, date_field).
    models : list of str
        Distinct ``model`` values found in the records.
    """

    rows: list[dict]
    periods: list[str]
    groups: list[str]
    measures: list[str]
    N: np.ndarray
    S: np.ndarray
    SS: np.ndarray
    errors: list[dict]
    counts: dict
    options: dict
    codebook: Codebook
    models: list[str] = field(default_factory=list)

    def series(self, measure: str, group: str) -> list[dict]:
        """Rows of one measure and group, in period order."""
        return [r for r in self.rows if r["measure"] == measure and r["group"] == group]


def compute_trends(records: Iterable[Mapping[str, Any]], codebook: Codebook, *, by: str = "month",
                   group: str | None = None, among: str | None = None, measure: str = "labels",
                   smooth: int | None = None, min_n: int = 10, tz: str = DEFAULT_TZ,
                   date_field: str = "date", file: str = "", lines: Sequence[int] | None = None) -> TrendResult:
    """Per-period (and per-group) shares of the storytelling index, labels and Silk Road categories.

    Parameters
    ----------
    records : iterable of mapping
        Tagged records (``silkframe tag`` output, or hand-coded data with ``labels`` and a date).
    codebook : Codebook
        Source of label order, the storytelling themes, the context label and Silk Road labels.
    by : {"month", "week", "quarter"}
        Period length; weeks are ISO weeks (Monday start), labelled ``YYYY-Www``.
    group : str, optional
        Record field to compare groups by (``source``, ``lang``...); missing values form the
        group ``"(missing)"``. Without it every record is in group ``"all"``.
    among : str, optional
        Label id restricting every denominator (normally the codebook's ``context_label``).
    measure : {"labels", "probs"}
        Thresholded labels (Wilson intervals) or mean probabilities (normal intervals).
    smooth : int, optional
        Window in periods for the trailing n-weighted ``smoothed`` column (K >= 2; NaN for a
        period with no documents).
    min_n : int
        Periods with n < min_n get ``low_n = True`` (they are kept, not hidden).
    tz : str
        Zone aware datetimes are converted to before bucketing; naive dates are taken as local.
    date_field : str
        Record field holding the date.
    file, lines : optional
        Input file name and the line number of each record, for error records.

    Returns
    -------
    TrendResult
        Records with a missing or unparseable date, unknown labels or missing probabilities are
        not dropped silently: each becomes an error record with its reason.
    """
    _check_by(by)
    if measure not in MEASURES:
        raise TrendError(f"unknown measure {measure!r}; use 'labels' or 'probs'")
    if smooth is not None and smooth < 2:
        raise TrendError("--smooth must be a window of at least 2 periods (or left out)")
    if min_n < 0:
        raise TrendError("--min-n must be >= 0")
    if among is not None:
        try:
            codebook.index(among)
        except CodebookError as e:
            raise TrendError(f"--among: {e}") from None
    _zone(tz)

    errors: list[dict] = []
    keys: list[str] = []
    grp: list[str] = []
    ys: list[np.ndarray] = []
    ps: list[np.ndarray] = []
    models: set[str] = set()
    n_read = 0
    for i, rec in enumerate(records):
        n_read += 1
        line = lines[i] if lines is not None else i + 1
        rid = rec.get("id", rec.get("doc_id"))
        rid = None if rid is None or (isinstance(rid, float) and math.isnan(rid)) else str(rid)

        def fail(reason: str) -> None:
            errors.append({"file": file, "line": line, "id": rid, "reason": reason})

        try:
            d, precision = parse_date(rec.get(date_field), tz=tz)
        except ValueError as e:
            fail(f"{date_field}: {e}")
            continue
        if precision == "month" and by == "week":
            fail(f"{date_field}: {rec.get(date_field)!r} has month precision only; cannot bucket by week (use --by month or quarter)")
            continue
        try:
            y = _labels_of(rec, codebook)
            p = _probs_of(rec, codebook) if measure == "probs" else None
        except (CodebookError, ValueError) as e:
            fail(str(e))
            continue
        if measure == "probs" and p is None:
            fail("no probabilities ('probs' or p_<label> columns); use --measure labels for hand-coded data")
            continue
        if y is None and measure == "labels":
            fail("no labels ('labels' field or one 0/1 column per label id)")
            continue
        if y is None:
            y = (p >= 0.5).astype(np.int8)
        keys.append(period_key(d, by))
        if group:
            g = rec.get(group)
            g = MISSING_GROUP if g is None or (isinstance(g, float) and math.isnan(g)) or str(g).strip() == "" else str(g)
        else:
            g = "all"
        grp.append(g)
        ys.append(y)
        if p is not None:
            ps.append(p)
        if rec.get("model"):
            models.add(str(rec["model"]))

    L = codebook.n_labels
    Y = np.vstack(ys) if ys else np.zeros((0, L), dtype=np.int8)
    P = (np.vstack(ps) if ps else np.zeros((0, L))) if measure == "probs" else None
    keep = np.ones(len(Y), dtype=bool)
    if among is not None:
        keep = Y[:, codebook.index(among)] > 0
    n_excluded = int((~keep).sum())
    measures, V = _doc_values(Y, P, codebook)
    V = V[keep]
    keys_k = [k for k, m in zip(keys, keep) if m]
    grp_k = [g for g, m in zip(grp, keep) if m]

    periods = period_range(min(keys), max(keys), by) if keys else []
    groups = sorted(set(grp)) if grp else []
    pi = {p: j for j, p in enumerate(periods)}
    gi = {g: j for j, g in enumerate(groups)}
    G, T, M = len(groups), len(periods), len(measures)
    N = np.zeros((G, T), dtype=int)
    S = np.zeros((G, T, M))
    SS = np.zeros((G, T, M))
    if len(V):
        a = np.array([gi[g] for g in grp_k])
        b = np.array([pi[k] for k in keys_k])
        np.add.at(N, (a, b), 1)
        np.add.at(S, (a, b), V)
        np.add.at(SS, (a, b), V * V)

    rows = _rows(periods, groups, measures, N, S, SS, measure=measure, smooth=smooth, min_n=min_n)
    options = {"by": by, "group": group, "among": among, "measure": measure, "smooth": smooth,
               "min_n": min_n, "tz": tz, "date_field": date_field}
    counts = {"read": n_read, "used": int(keep.sum()), "errors": len(errors), "excluded_among": n_excluded}
    return TrendResult(rows=rows, periods=periods, groups=groups, measures=measures, N=N, S=S, SS=SS,
                       errors=errors, counts=counts, options=options, codebook=codebook, models=sorted(models))


def _rows(periods, groups, measures, N, S, SS, *, measure, smooth, min_n) -> list[dict]:
    rows = []
    for m, mname in enumerate(measures):
        for g, gname in enumerate(groups):
            for t, per in enumerate(periods):
                n = int(N[g, t])
                value = S[g, t, m] / n if n else math.nan
                if measure == "labels":
                    low, high = wilson_interval(S[g, t, m], n)
                else:
                    low, high = mean_interval(S[g, t, m], SS[g, t, m], n)
                row = {"period": per, "group": gname, "measure": mname, "value": value,
                       "low": low, "high": high, "n": n, "low_n": n < min_n}
                if smooth:
                    lo = max(0, t - smooth + 1)
                    nn = N[g, lo:t + 1].sum()
                    row["smoothed"] = S[g, lo:t + 1, m].sum() / nn if n else math.nan
                rows.append(row)
    return rows


def paired_difference(result: TrendResult, a: str, b: str, measure: str = INDEX) -> list[dict]:
    """Per-period difference ``a - b`` of one measure between two groups, with a 95% interval.

    Labels mode uses Newcombe's hybrid score interval for a difference of independent
    proportions; probs mode a normal interval with standard error sqrt(s_a^2/n_a + s_b^2/n_b).
    The two language versions of a press conference are parallel texts, not independent
    samples, so the interval is conservative for them.

    Returns
    -------
    list of dict
        ``period, value_a, value_b, diff, low, high, n_a, n_b`` per period.
    """
    for g in (a, b):
        if g not in result.groups:
            raise TrendError(f"group {g!r} not in the result; groups are: {', '.join(result.groups)}")
    ga, gb, m = result.groups.index(a), result.groups.index(b), result.measures.index(measure)
    out = []
    for t, per in enumerate(result.periods):
        na, nb = int(result.N[ga, t]), int(result.N[gb, t])
        sa, sb = result.S[ga, t, m], result.S[gb, t, m]
        if result.options["measure"] == "labels":
            d, lo, hi = newcombe_difference(sa, na, sb, nb)
        else:
            d, lo, hi = _mean_difference(sa, result.SS[ga, t, m], na, sb, result.SS[gb, t, m], nb)
        out.append({"period": per, "value_a": sa / na if na else math.nan, "value_b": sb / nb if nb else math.nan,
                    "diff": d, "low": lo, "high": hi, "n_a": na, "n_b": nb})
    return out


def _lang_pair(result: TrendResult) -> tuple[str, str] | None:
    if result.options.get("group") != "lang" or len(result.groups) != 2:
        return None
    if set(result.groups) == {"zh", "en"}:
        return "zh", "en"
    return result.groups[0], result.groups[1]


def _fmt(x: float, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _ci(low: float, high: float) -> str:
    if any(isinstance(x, float) and math.isnan(x) for x in (low, high)):
        return "–"
    return f"[{low:.3f}, {high:.3f}]"


def render_summary(result: TrendResult, *, source: str = "") -> str:
    """Markdown summary: counts, index peak per group, low-n periods, zh − en differences."""
    o, c, cb = result.options, result.counts, result.codebook
    lines = ["# Framing over time", ""]
    if source:
        lines.append(f"Input: `{source}`  ")
    lines += [f"Codebook: {cb.name} v{cb.version}  ",
              f"Periods: {o['by']}; group: {o['group'] or '(none)'}; measure: {o['measure']}; "
              f"among: {o['among'] or 'all documents'}; min n: {o['min_n']}; time zone: {o['tz']}"
              + (f"; smoothing: trailing {o['smooth']} periods" if o["smooth"] else ""), "",
              f"Records read: {c['read']}; used: {c['used']}; with errors (see errors.jsonl): {c['errors']}"
              + (f"; outside `{o['among']}`: {c['excluded_among']}" if o["among"] else "") + ".", ""]
    if result.errors:
        reasons: dict[str, int] = {}
        for e in result.errors:
            key = re.sub(r"'[^']*'|\"[^\"]*\"", "…", e["reason"])[:120]
            reasons[key] = reasons.get(key, 0) + 1
        lines.append("Errors by reason:")
        lines += [f"- {r}: {k}" for r, k in sorted(reasons.items(), key=lambda kv: -kv[1])]
        lines.append("")
    what = "mean P(any theme)" if o["measure"] == "probs" else "share with any theme"
    lines += ["## Storytelling index peaks", "",
              f"Index = {what} ({', '.join(cb.storytelling)}); the peak is the period with the highest index "
              f"among periods with n >= {o['min_n']} (all periods when none has).", "",
              "| group | peak period | index | 95% interval | n |", "|---|---|---|---|---|"]
    for g in result.groups:
        ser = [r for r in result.series(INDEX, g) if r["n"] > 0]
        pool = [r for r in ser if not r["low_n"]] or ser
        if not pool:
            continue
        best = max(pool, key=lambda r: (r["value"], -result.periods.index(r["period"])))
        flag = " (low n)" if best["low_n"] else ""
        lines.append(f"| {g} | {best['period']}{flag} | {_fmt(best['value'])} | "
                     f"{_ci(best['low'], best['high'])} | {best['n']} |")
    lines += ["", "## Low-n periods", "", f"Periods with n < {o['min_n']} (kept in trend.csv with `low_n` = true):", ""]
    low = [(g, r["period"], r["n"]) for g in result.groups for r in result.series(INDEX, g) if r["low_n"]]
    lines += [f"- {g} {p}: n = {n}" for g, p, n in low] or ["- none"]
    pair = _lang_pair(result)
    if pair:
        a, b = pair
        method = "Newcombe hybrid score interval" if o["measure"] == "labels" else "normal interval"
        lines += ["", f"## Paired languages: index {a} − {b}", "",
                  f"Difference of the storytelling index per period with a 95% {method}; an interval that "
                  f"excludes 0 means the two versions differ by more than sampling noise would explain.", "",
                  f"| period | {a} | {b} | {a} − {b} | 95% interval | n {a} | n {b} |", "|---|---|---|---|---|---|---|"]
        for r in paired_difference(result, a, b):
            lines.append(f"| {r['period']} | {_fmt(r['value_a'])} | {_fmt(r['value_b'])} | {_fmt(r['diff'])} | "
                         f"{_ci(r['low'], r['high'])} | {r['n_a']} | {r['n_b']} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# I/O: reading tagged files and events, writing the report
# ---------------------------------------------------------------------------------------
def read_tagged(path: str | Path) -> tuple[list[dict], list[int], list[dict]]:
    """Read a tagged file (JSONL, CSV or Parquet) into records.

    Returns
    -------
    (records, lines, errors)
        The records as dicts, the line (JSONL/CSV) or row number (Parquet) of each, and error
        records for lines that are not valid JSON objects.
    """
    p = Path(path)
    if not p.exists():
        raise TrendError(f"{p}: file not found (give the output of `silkframe tag` or a hand-coded JSONL/CSV)")
    suffix = "".join(p.suffixes[-2:]).lower() if p.suffix.lower() == ".gz" else p.suffix.lower()
    records: list[dict] = []
    lines: list[int] = []
    errors: list[dict] = []
    if suffix in (".jsonl", ".json", ".ndjson", ".jsonl.gz"):
        import gzip

        opener = gzip.open if suffix.endswith(".gz") else open
        with opener(p, "rt", encoding="utf-8-sig") as fh:
            for ln, text in enumerate(fh, 1):
                if not text.strip():
                    continue
                try:
                    rec = json.loads(text)
                except json.JSONDecodeError as e:
                    errors.append({"file": str(p), "line": ln, "id": None, "reason": f"invalid JSON: {e.msg} at column {e.colno}"})
                    continue
                if not isinstance(rec, dict):
                    errors.append({"file": str(p), "line": ln, "id": None, "reason": "line is not a JSON object"})
                    continue
                records.append(rec)
                lines.append(ln)
    elif suffix in (".csv", ".tsv", ".parquet", ".pq"):
        import pandas as pd

        if suffix in (".csv", ".tsv"):
            df = pd.read_csv(p, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False)
            first = 2
        else:
            df = pd.read_parquet(p)
            first = 1
        for i, rec in enumerate(df.to_dict(orient="records")):
            records.append(rec)
            lines.append(i + first)
    else:
        raise TrendError(f"{p}: unknown format {p.suffix!r}; use .jsonl, .csv, .tsv or .parquet")
    return records, lines, errors


def read_events(path: str | Path) -> list[tuple[date, str]]:
    """Events to annotate: a CSV with a ``date,label`` header; dates YYYY-MM-DD or YYYY-MM."""
    p = Path(path)
    if not p.exists():
        raise TrendError(f"{p}: events file not found (a CSV with columns date,label)")
    out = []
    with open(p, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"date", "label"} <= set(reader.fieldnames):
            raise TrendError(f"{p}: line 1 must be the header 'date,label' (got {reader.fieldnames})")
        for ln, row in enumerate(reader, 2):
            try:
                d, _ = parse_date(row["date"])
            except ValueError as e:
                raise TrendError(f"{p}: line {ln}: {e}") from None
            label = (row["label"] or "").strip()
            if not label:
                raise TrendError(f"{p}: line {ln}: empty label")
            out.append((d, label))
    return sorted(out)


def _csv_value(v: Any) -> Any:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def write_trend_csv(result: TrendResult, path: str | Path) -> Path:
    """Write the tidy table (``smoothed`` column only when smoothing was asked for)."""
    cols = list(CSV_COLUMNS) + (["smoothed"] if result.options.get("smooth") else [])
    p = Path(path)
    with open(p, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in result.rows:
            w.writerow([_csv_value(r[c]) for c in cols])
    return p



def build_trend_report(tagged: str | Path, out_dir: str | Path, codebook: Codebook, *,
                       events: str | Path | None = None, plots: bool = True, **options: Any) -> TrendResult:
    """Read ``tagged``, compute the trends and write the report into ``out_dir``.

    Writes ``trend.csv``, ``errors.jsonl`` (one line per record left out, possibly empty),
    ``summary.md``, ``trend.meta.json`` (input, its sha256, codebook version, options, counts,
    models) and, when ``plots``, ``themes``, ``silk_road`` and ``storytelling_index`` charts as
    PNG and SVG. ``options`` are passed to :func:`compute_trends`.
    """
    tagged = Path(tagged)
    out = Path(out_dir)
    ev = read_events(events) if events else None
    records, lines, read_errors = read_tagged(tagged)
    result = compute_trends(records, codebook, file=str(tagged), lines=lines, **options)
    if read_errors:
        result.errors[:0] = read_errors
        result.counts["read"] += len(read_errors)
        result.counts["errors"] += len(read_errors)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_trend_csv(result, out / "trend.csv")]
    with open(out / "errors.jsonl", "w", encoding="utf-8") as fh:
        for e in result.errors:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    written.append(out / "errors.jsonl")
    (out / "summary.md").write_text(render_summary(result, source=str(tagged)), encoding="utf-8")
    written.append(out / "summary.md")
    if plots and result.periods:
        from nlp.trend_plots import plot_trends

        written += plot_trends(result, out, events=ev)
    from nlp import __version__
    from nlp.corpus import file_sha256

    meta = {"input": str(tagged), "input_sha256": file_sha256(tagged), "codebook": codebook.to_dict(),
            "options": result.options, "events": str(events) if events else None, "counts": result.counts,
            "models": result.models, "periods": [result.periods[0], result.periods[-1]] if result.periods else [],
            "groups": result.groups, "silkframe": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "outputs": [p.name for p in written] + ["trend.meta.json"]}
    (out / "trend.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result
