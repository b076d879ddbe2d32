"""Cross-tabulate coded fields: the seed paper's tables (format × actor, Silk Road category × actor …).

Pure functions over records (dicts). How values are counted:

- scalars count once; ``None``/empty → ``(missing)``; booleans → ``true``/``false``;
- list fields (``partners``, ``actors``, ``multilateral_bodies``) are *exploded*: a record counts
  once under each distinct element (an empty list → ``(none)``); dict fields (``development``) are
  exploded over their values (one record with partners USA and ZAF counts under ``developed`` and
  ``developing``);
- denominators are numbers of **records**: ``n`` of a row is the number of records with that row
  value, ``N`` the number of records tabulated. With exploded fields a record can sit in several
  cells, so percentages may add up to more than 100 % — the table says so.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

__all__ = ["CrossTab", "crosstab", "field_values", "read_table", "parse_filters", "NORMALIZE"]

MISSING = "(missing)"
NONE = "(none)"
ALL = "all"
NORMALIZE = ("index", "columns", "all")


def field_values(record: Mapping[str, Any], name: str) -> list[str]:
    """The distinct values a record contributes for ``name`` (see the module docstring)."""
    v = record.get(name)
    if isinstance(v, Mapping):
        v = list(v.values())
    if isinstance(v, (list, tuple, set)):
        vals = [_scalar(x) for x in v]
        vals = list(dict.fromkeys(vals))
        return vals or [NONE]
    return [_scalar(v)]


def _scalar(v: Any) -> str:
    if v is None or (isinstance(v, str) and not v.strip()):
        return MISSING
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _matches(record: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    for k, want in filters.items():
        if k not in record:
            raise KeyError(f"filter field {k!r} is not in the records (fields: {', '.join(sorted(record))})")
        if want not in field_values(record, k):
            return False
    return True


def parse_filters(items: Sequence[str] | None) -> dict[str, str]:
    """``['set=guangdong_meetings', 'format=bilateral']`` → dict; raises on a malformed item."""
    out: dict[str, str] = {}
    for it in items or []:
        if "=" not in it:
            raise ValueError(f"filter {it!r} must look like field=value")
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out


@dataclass(frozen=True)
class CrossTab:
    """Counts, denominators and percentages of a two-way (or one-way) table."""

    rows: str
    cols: str | None
    normalize: str
    row_values: tuple[str, ...]
    col_values: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]
    row_totals: Mapping[str, int]
    col_totals: Mapping[str, int]
    n: int
    exploded: bool = False
    filters: Mapping[str, str] = field(default_factory=dict)

    def count(self, row: str, col: str = ALL) -> int:
        return self.counts.get((row, col), 0)

    def denominator(self, row: str, col: str = ALL) -> int:
        if self.normalize == "index":
            return self.row_totals.get(row, 0)
        if self.normalize == "columns":
            return self.col_totals.get(col, 0)
        return self.n

    def percent(self, row: str, col: str = ALL) -> float | None:
        d = self.denominator(row, col)
        return 100.0 * self.count(row, col) / d if d else None

    def to_records(self) -> list[dict]:
        """One dict per cell: row, col, count, denominator, percent."""
        return [{self.rows: r, (self.cols or "col"): c, "count": self.count(r, c),
                 "denominator": self.denominator(r, c),
                 "percent": None if self.percent(r, c) is None else round(self.percent(r, c), 1)}
                for r in self.row_values for c in self.col_values]

    def _cell(self, r: str, c: str) -> str:
        p = self.percent(r, c)
        return f"{self.count(r, c)} ({p:.1f}%)" if p is not None else str(self.count(r, c))

    def _matrix(self) -> tuple[list[str], list[list[str]]]:
        head = [f"{self.rows} \\ {self.cols}" if self.cols else self.rows,
                *(self.col_values if self.cols else ["count"]), "n"]
        body = [[r, *(self._cell(r, c) for c in self.col_values), str(self.row_totals[r])] for r in self.row_values]
        if self.cols:
            # the total row is a row whose n is N (index, all); with columns, each cell is its own column total
            d = {c: self.col_totals[c] if self.normalize == "columns" else self.n for c in self.col_values}
            tot = ["total", *(f"{self.col_totals[c]} ({100.0 * self.col_totals[c] / d[c]:.1f}%)" if d[c] else "0"
                              for c in self.col_values), str(self.n)]
            body.append(tot)
        return head, body

    def note(self) -> str:
        what = {"index": "of the row's n", "columns": "of the column's total", "all": "of N"}[self.normalize]
        s = f"N = {self.n} records; percentages {what}"
        if self.filters:
            s += "; filter " + ", ".join(f"{k}={v}" for k, v in self.filters.items())
        if self.exploded:
            s += "; list/dict fields exploded (a record can count in several cells, so % may exceed 100)"
        return s

    def to_markdown(self) -> str:
        head, body = self._matrix()
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines) + "\n\n" + self.note() + "\n"

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        recs = self.to_records()
        if recs:
            w.writerow(list(recs[0]))
            for r in recs:
                w.writerow(list(r.values()))
        return buf.getvalue()


def crosstab(records: Iterable[Mapping[str, Any]], rows: str, cols: str | None = None, *,
             normalize: str = "index", filters: Mapping[str, str] | None = None,
             row_order: Sequence[str] | None = None, col_order: Sequence[str] | None = None) -> CrossTab:
    """Count records by the values of two coded fields (or one, when ``cols`` is None).

    Parameters
    ----------
    records : iterable of dict
        Tagged or extracted records (JSONL lines) or rows of the replication table.
    rows, cols : str
        Field names; list and dict fields are exploded (module docstring).
    normalize : {'index', 'columns', 'all'}
        Denominator of the percentages: the row's ``n``, the column total, or ``N``.
    filters : dict, optional
        ``{field: value}``; a record is kept when each field has that value (or contains it).
    row_order, col_order : sequence, optional
        Values listed first, in this order; others follow sorted.

    Examples
    --------
    >>> t = crosstab([{"f": "bilateral"}, {"f": "bilateral"}, {"f": "multilateral"}], "f")
    >>> t.count("bilateral"), t.n, round(t.percent("bilateral"), 1)
    (2, 3, 66.7)
    """
    if normalize not in NORMALIZE:
        raise ValueError(f"normalize must be one of {NORMALIZE}, got {normalize!r}")
    if cols is None and normalize == "index":
        normalize = "all"  # a one-way table: row shares of N
    filters = dict(filters or {})
    counts: dict[tuple[str, str], int] = {}
    row_tot: dict[str, int] = {}
    col_tot: dict[str, int] = {}
    n = 0
    exploded = False
    for i, rec in enumerate(records):
        if filters and not _matches(rec, filters):
            continue
        for f in (rows, cols):
            if f is not None and f not in rec:
                raise KeyError(f"record {i + 1} has no field {f!r} (fields: {', '.join(sorted(rec))})")
        rv = field_values(rec, rows)
        cv = field_values(rec, cols) if cols else [ALL]
        exploded = exploded or len(rv) > 1 or len(cv) > 1 or isinstance(rec.get(rows), (list, dict)) \
            or (cols is not None and isinstance(rec.get(cols), (list, dict)))
        n += 1
        for r in rv:
            row_tot[r] = row_tot.get(r, 0) + 1
        for c in cv:
            col_tot[c] = col_tot.get(c, 0) + 1
        for r in rv:
            for c in cv:
                counts[(r, c)] = counts.get((r, c), 0) + 1

    def order(vals: Iterable[str], first: Sequence[str] | None) -> tuple[str, ...]:
        vals = set(vals)
        head = [v for v in (first or []) if v in vals]
        return tuple(head + sorted(vals - set(head), key=lambda v: (v in (MISSING, NONE), v)))

    return CrossTab(rows, cols, normalize, order(row_tot, row_order), order(col_tot, col_order), counts,
                    row_tot, col_tot, n, exploded, filters)


def _parse_cell(v: str | None) -> Any:
    if v is None:
        return None
    v = v.strip()
    if not v:
        return None
    if v[0] in "[{":
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v
    if ";" in v:
        return [x.strip() for x in v.split(";") if x.strip()]
    return v


LIST_COLUMNS = ("labels",)  # ``silkframe tag`` CSV: ``a;b`` joined labels, an empty cell for none


def _parse_list_cell(v: str | None) -> Any:
    if v is None:
        return None
    v = v.strip()
    if v.startswith("["):
        return _parse_cell(v)
    return [x.strip() for x in v.split(";") if x.strip()]


def read_table(path: str | Path) -> Iterator[dict]:
    """Records from JSONL (one object a line) or CSV (``a;b`` cells become lists, JSON cells are parsed).

    A CSV ``labels`` column (``silkframe tag`` output) is always a list, as in JSONL: ``a`` → ``[a]``,
    an empty cell → ``[]`` (counted as ``(none)``).

    Raises ``ValueError`` naming file and line for a malformed JSON line.
    """
    path = Path(path)
    if path.suffix.lower() in (".csv", ".tsv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t" if path.suffix.lower() == ".tsv" else ","):
                yield {k: (_parse_list_cell if k in LIST_COLUMNS else _parse_cell)(v) for k, v in row.items() if k}
        return
    from nlp.readers import iter_json_objects

    for _, obj in iter_json_objects(path):
        yield obj
