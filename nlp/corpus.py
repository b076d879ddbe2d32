"""Corpus I/O: read documents from JSONL, CSV/TSV, Parquet, text/HTML folders or stdin.

Everything Silkframe reads goes through :func:`iter_records`, which streams
:class:`Document` objects and, for every input record that cannot be used, exactly one
:class:`ErrorRecord` naming the file, the line and the reason. Nothing is dropped silently and
nothing bad crashes the run: a corpus of 100,000 scraped pages with three broken lines gives
99,997 documents and three error records that say how to fix them.

Ids
---
Ids are strings (integer ids are converted). A record without an id (field missing, null or
empty) gets one derived from where it was read: ``"<file name>:<line>"``, e.g.
``"qa_pairs.jsonl:12"`` (``"<stdin>:12"`` on stdin; for CSV the line is the data row, for
Parquet the row index + 1, for a ``.json`` file holding one array the element number).
Documents from a folder get their path relative to that folder, e.g. ``"2020/05/a.txt"``; a
single file read with ``fmt='txt-doc'`` gets its file name. When two different inputs of one
call would share such a name (``2020/press.jsonl`` and ``2021/press.jsonl``, or two folders
both holding ``0001.txt``), each uses its path as given instead (``"2020/press.jsonl:12"``,
``"pagesA/0001.txt"``), so made-up ids never collide. With ``dedupe=True`` (default) a
repeated id within one call, across all inputs, is an error record.

Encodings
---------
UTF-8 (with or without BOM), GB18030 and Big5 are detected per file from its first 64 KB
(:func:`nlp.readers.detect_encoding`); when those bytes are all ASCII, the 64 KB from the
first line with a non-ASCII byte decide (files only: stdin is read once, so there they count as
UTF-8). ``encoding=`` overrides detection.

Examples
--------
>>> docs, errors = read_documents("corpora/press.jsonl")          # doctest: +SKIP
>>> for rec in iter_records(["a.csv", "pages/"], text_field="body"):  # doctest: +SKIP
...     print(rec)
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields as dc_fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from nlp import readers
from nlp.readers import FORMATS, RawError, RawRecord

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from nlp.codebook import Codebook

__all__ = [
    "Document", "ErrorRecord", "GoldError", "iter_records", "read_documents", "write_jsonl",
    "write_errors", "file_sha256", "to_simplified", "to_dataset", "from_dataset", "read_gold", "FORMATS",
]


@dataclass
class Document:
    """One text with its metadata.

    Attributes
    ----------
    id : str
        Unique id (see the module docstring for ids derived when the input has none).
    text : str
        The text to classify (never empty).
    lang, date, source, title : str or None
        Standard metadata, taken from the fields named by ``iter_records``'s ``*_field``.
    meta : dict
        Every other input field (e.g. ``question``, ``speaker``, ``labels``, ``coder_a``).
    file : str or None
        The input it was read from (``'<stdin>'`` for stdin).
    line : int or None
        1-based line (JSONL, text lines), 1-based data row (CSV; the header is row 0),
        row index + 1 (Parquet, datasets); None for a whole file from a folder.
    """

    id: str
    text: str
    lang: str | None = None
    date: str | None = None
    source: str | None = None
    title: str | None = None
    meta: dict = field(default_factory=dict)
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict:
        """Plain dict with every attribute (``meta`` as a nested dict)."""
        d = asdict(self)
        d["meta"] = dict(self.meta)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Document":
        """Inverse of :meth:`to_dict`; keys that are not attributes go into ``meta``."""
        names = {f.name for f in dc_fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        extra = {k: v for k, v in d.items() if k not in names}
        meta = dict(kw.pop("meta", None) or {})
        meta.update(extra)
        if "id" not in kw or "text" not in kw:
            raise ValueError(f"a Document needs 'id' and 'text'; got keys {sorted(d)}")
        return cls(meta=meta, **kw)


@dataclass
class ErrorRecord:
    """One input record (or input) that could not be read, and why.

    ``file`` and ``line`` follow :class:`Document`'s conventions; ``id`` is the record's id
    when it could be read.
    """

    file: str
    line: int | None
    id: str | None
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        ident = f" [id {self.id}]" if self.id is not None else ""
        return f"{where}{ident}: {self.reason}"


class GoldError(ValueError):
    """A gold file that cannot be used for training or evaluation; says file, line and field."""


# ---------------------------------------------------------------------------------------------
# field mapping
# ---------------------------------------------------------------------------------------------
def _html_to_text(html: str) -> str:
    """HTML → text with :func:`nlp.text.html_to_text`, or BeautifulSoup when it is absent."""
    try:
        from nlp.text import html_to_text
    except ImportError:
        from bs4 import BeautifulSoup

        return BeautifulSoup(html, "html.parser").get_text(separator="\n").strip()
    return html_to_text(html)


def _meta_str(value: Any) -> str | None:
    """Metadata value → str or None (dates as ISO strings, empty → None)."""
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN from pandas-written files
        return None
    s = value if isinstance(value, str) else str(value)
    return s if s.strip() else None


class _Mapper:
    """Turns RawRecords into Documents (or ErrorRecords) under one field mapping."""

    def __init__(self, *, text_field: str, id_field: str, date_field: str, title_field: str,
                 lang_field: str, source_field: str, html: bool | None):
        self.text_field, self.id_field = text_field, id_field
        self.std = {"date": date_field, "title": title_field, "lang": lang_field,
                    "source": source_field}
        self.html = html
        self._used = frozenset({text_field, id_field, *self.std.values()})  # not copied into meta
        self._std_items = tuple(self.std.items())

    def __call__(self, raw: RawRecord) -> Document | ErrorRecord:
        f = raw.fields
        if raw.plain:
            doc_id, text, tf = raw.default_id, f.get("text"), "text"
            std, meta = {}, {}
        else:
            tf = self.text_field
            rid = f.get(self.id_field)
            if rid is None or (isinstance(rid, str) and not rid.strip()):
                doc_id = raw.default_id
            elif isinstance(rid, bool) or not isinstance(rid, (str, int)):
                return ErrorRecord(raw.file, raw.line, None,
                                   f"id must be a string or an integer (field {self.id_field!r}, "
                                   f"got {type(rid).__name__})")
            else:
                doc_id = str(rid)
            text = f.get(tf)
            used = self._used
            std = {k: None if (v := f.get(src)) is None else _meta_str(v) for k, src in self._std_items}
            meta = {k: v for k, v in f.items() if k not in used}
        if not isinstance(text, str) or not text.strip() or _invisible_only(text):
            what = ("is missing" if tf not in f else "is null" if text is None else
                    "is blank" if isinstance(text, str) and not text.strip() else
                    "holds only invisible characters (zero-width, control)" if isinstance(text, str) else
                    f"is not a string but {type(text).__name__}")
            hint = ""
            if tf not in f and not raw.plain:
                hint = f"; fields are: {', '.join(map(str, list(f)[:12]))} (set text_field=)"
            return ErrorRecord(raw.file, raw.line, doc_id,
                               f"empty text (field {tf!r} {what}{hint})")
        if raw.is_html or self.html:
            text = _html_to_text(text)
            if not text.strip():
                return ErrorRecord(raw.file, raw.line, doc_id,
                                   f"empty text (field {tf!r} has no text once HTML is removed)")
        return Document(id=doc_id, text=text, meta=meta, file=raw.file, line=raw.line, **std)


def _invisible_only(text: str) -> bool:
    """Is a text that is not blank still empty once :func:`nlp.text.normalize` removes
    zero-width and control characters? Only a text whose first non-space character is not
    printable can be, so the usual text costs one character test."""
    if text.lstrip()[:1].isprintable():
        return False
    from nlp.text import normalize

    return not normalize(text).strip()


def _map_stream(items: Iterable[RawRecord | RawError], mapper: _Mapper,
                dedupe: bool) -> Iterator[Document | ErrorRecord]:
    seen: dict[str, tuple] = {}
    for item in items:
        if isinstance(item, RawError):
            yield ErrorRecord(item.file, item.line, item.id, item.reason)
            continue
        rec = mapper(item)
        if dedupe and isinstance(rec, Document):
            first = seen.get(rec.id)
            if first is not None:
                where = first[0] if first[1] is None else f"{first[0]}:{first[1]}"
                rec = ErrorRecord(rec.file or "", rec.line, rec.id,
                                  f"duplicate id {rec.id!r} (first seen at {where})")
            else:
                seen[rec.id] = (rec.file, rec.line)  # formatted only for a duplicate
        yield rec


# ---------------------------------------------------------------------------------------------
# public readers
# ---------------------------------------------------------------------------------------------
def iter_records(paths: str | os.PathLike | Iterable[str | os.PathLike], *, fmt: str | None = None,
                 text_field: str = "text", id_field: str = "id", date_field: str = "date",
                 title_field: str = "title", lang_field: str = "lang", source_field: str = "source",
                 encoding: str | None = None, html: bool | None = None,
                 dedupe: bool = True, exclude: Iterable[str | os.PathLike] = ()) -> Iterator[Document | ErrorRecord]:
    """Stream documents, and one error record per unusable input record, in input order.

    Parameters
    ----------
    paths : path or list of paths
        Each a file, a folder (its ``.txt``/``.html``/``.htm`` files, recursively, sorted;
        one document per file, id = relative path), a glob pattern, or ``'-'`` for stdin.
    fmt : str, optional
        ``jsonl``, ``csv``, ``tsv``, ``parquet``, ``txt`` (one document per non-empty line,
        id ``<file name>:<line>``), ``txt-doc`` (the whole file is one document) or ``html``.
        Inferred from the extension when None (``.jsonl``/``.ndjson``/``.json`` are JSON
        Lines); stdin defaults to ``jsonl``.
    text_field, id_field, date_field, title_field, lang_field, source_field : str
        Input field names mapped onto :class:`Document` attributes; every other field goes
        to ``Document.meta``.
    encoding : str, optional
        Force one encoding for every file instead of detecting UTF-8/GB18030/Big5 per file.
    html : bool, optional
        None: ``.html``/``.htm`` files are converted to text; True: every text is treated as
        HTML; False: nothing is converted.
    dedupe : bool
        A repeated id becomes an error record (the first occurrence is kept).
    exclude : paths
        Files or folders that glob and folder expansion skip (see :func:`nlp.readers.expand_paths`).

    Yields
    ------
    Document or ErrorRecord
        Memory use stays constant apart from the set of ids seen (and one file at a time for
        folders).

    Raises
    ------
    ValueError
        At call time (not on first iteration) when ``fmt`` is not a known format.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown fmt {fmt!r}; use one of: {', '.join(FORMATS)}")
    mapper = _Mapper(text_field=text_field, id_field=id_field, date_field=date_field,
                     title_field=title_field, lang_field=lang_field, source_field=source_field,
                     html=html)

    def raw_items() -> Iterator[RawRecord | RawError]:
        entries = list(readers.expand_paths(paths, exclude=exclude))
        for entry, base in zip(entries, readers.id_bases(entries)):
            yield from readers.read_source(entry, fmt=fmt, encoding=encoding, html=html, id_base=base)

    return _map_stream(raw_items(), mapper, dedupe)


def read_documents(paths: str | os.PathLike | Iterable[str | os.PathLike],
                   **kw: Any) -> tuple[list[Document], list[ErrorRecord]]:
    """Read everything into memory: ``(documents, errors)``; keywords as :func:`iter_records`."""
    docs: list[Document] = []
    errors: list[ErrorRecord] = []
    for rec in iter_records(paths, **kw):
        (docs if isinstance(rec, Document) else errors).append(rec)
    return docs, errors


# ---------------------------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------------------------
def _json_default(obj: Any) -> Any:
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return obj.tolist()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)


def write_jsonl(records: Iterable[Any], path: str | os.PathLike) -> int:
    """Write records (Documents, ErrorRecords or dicts) as JSON Lines, atomically.

    The file is written to a temporary file in the same folder and moved into place with
    ``os.replace``, so readers never see half a file. ``'-'`` writes to stdout.

    Returns
    -------
    int
        Number of lines written.
    """
    def lines() -> Iterator[str]:
        for r in records:
            d = r.to_dict() if hasattr(r, "to_dict") else r
            yield json.dumps(d, ensure_ascii=False, default=_json_default) + "\n"

    if os.fspath(path) == "-":
        n = 0
        for ln in lines():
            sys.stdout.write(ln)
            n += 1
        return n
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for ln in lines():
                f.write(ln)
                n += 1
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; outputs should read like any other
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return n


def to_simplified(doc: Document) -> Document:
    """``doc`` with title and text converted from Traditional to Simplified Chinese (OpenCC
    ``t2s``, see :func:`nlp.text.normalize`): the models and the gazetteer were built on
    Simplified texts, so Hong Kong, Taiwan or overseas sources score as their Simplified form."""
    import dataclasses

    from nlp.text import normalize

    title = normalize(doc.title, t2s=True) if doc.title else doc.title
    return dataclasses.replace(doc, text=normalize(doc.text, t2s=True), title=title)


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (recorded in model cards and output metadata)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_errors(errors: Iterable[ErrorRecord], path: str | os.PathLike) -> int:
    """Write error records as JSON Lines (``file``, ``line``, ``id``, ``reason``); atomic."""
    return write_jsonl((e for e in errors if isinstance(e, ErrorRecord)), path)


# ---------------------------------------------------------------------------------------------
# Hugging Face datasets
# ---------------------------------------------------------------------------------------------
_DATASET_COLUMNS = ("id", "text", "lang", "date", "source", "title")


def to_dataset(docs: Iterable[Document]):
    """Documents → ``datasets.Dataset``.

    Columns ``id``, ``text``, ``lang``, ``date``, ``source``, ``title`` (strings or None) and
    ``meta``, the metadata dict JSON-encoded (metadata differ between documents, so one string
    column keeps the schema stable; :func:`from_dataset` decodes it again).
    """
    import datasets

    cols: dict[str, list] = {c: [] for c in (*_DATASET_COLUMNS, "meta")}
    for d in docs:
        for c in _DATASET_COLUMNS:
            cols[c].append(getattr(d, c))
        cols["meta"].append(json.dumps(d.meta, ensure_ascii=False, default=_json_default))
    features = datasets.Features({c: datasets.Value("string") for c in cols})
    return datasets.Dataset.from_dict(cols, features=features)


def from_dataset(ds, *, text_field: str = "text", id_field: str = "id", date_field: str = "date",
                 title_field: str = "title", lang_field: str = "lang", source_field: str = "source",
                 html: bool | None = None, dedupe: bool = True,
                 name: str = "<dataset>") -> Iterator[Document | ErrorRecord]:
    """Stream a ``datasets.Dataset`` (or any iterable of dict rows) as Documents/ErrorRecords.

    Field mapping, id derivation (``"<dataset>:<row>"``), text checks and de-duplication are
    those of :func:`iter_records`; ``line`` is the row index + 1 and ``file`` is ``name``. A
    ``meta`` column holding a JSON object (as written by :func:`to_dataset`) is merged into
    ``Document.meta``.
    """
    mapper = _Mapper(text_field=text_field, id_field=id_field, date_field=date_field,
                     title_field=title_field, lang_field=lang_field, source_field=source_field,
                     html=html)

    def raw_items() -> Iterator[RawRecord]:
        for i, row in enumerate(ds, start=1):
            yield RawRecord(name, i, dict(row), f"{name}:{i}")

    for rec in _map_stream(raw_items(), mapper, dedupe):
        if isinstance(rec, Document) and isinstance(rec.meta.get("meta"), str):
            try:
                inner = json.loads(rec.meta["meta"])
            except ValueError:
                inner = None
            if isinstance(inner, dict):
                rec.meta.pop("meta")
                rec.meta.update(inner)
        yield rec


# ---------------------------------------------------------------------------------------------
# gold files
# ---------------------------------------------------------------------------------------------
def _label_list(value: Any) -> list[str] | None:
    """A labels value → list of label ids; None when it is not a list.

    Lists are used as they are; strings (CSV cells) may hold a JSON array or ids separated by
    ``;``, ``|`` or ``,``.
    """
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value] if all(isinstance(v, str) for v in value) else None
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from Parquet
        return _label_list(value.tolist())
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("["):
            try:
                return _label_list(json.loads(s))
            except ValueError:
                return None
        for sep in (";", "|", ","):
            if sep in s:
                return [p.strip() for p in s.split(sep) if p.strip()]
        return [s] if s else []
    return None


def read_gold(path: str | os.PathLike, codebook: "Codebook", *,
              strict: bool = True) -> tuple[list[Document], "np.ndarray", dict]:
    """Read a hand-coded gold file: documents, label matrix and the coders' matrices.

    Parameters
    ----------
    path : path
        A JSONL/CSV/Parquet file (anything :func:`iter_records` reads) whose records carry a
        ``labels`` list of codebook label ids, and optionally ``coder_*`` lists.
    codebook : Codebook
        Gives the column order (``codebook.label_ids``).
    strict : bool
        True: any unreadable record, missing ``labels`` or unknown label raises
        :class:`GoldError`. False: such records are skipped and unknown labels dropped, each
        with a warning on the ``nlp.corpus`` logger.

    Returns
    -------
    docs : list of Document
    Y : ndarray of int8, shape (n_docs, n_labels)
        Final labels in codebook order.
    coders : dict of str to ndarray
        ``{'coder_a': Y_a, ...}`` for every ``coder_*`` field present on all documents.
    """
    import logging

    import numpy as np

    log = logging.getLogger(__name__)
    known = set(codebook.label_ids)
    docs: list[Document] = []
    rows: list[list[str]] = []
    coder_rows: dict[str, list] = {}

    def problem(msg: str) -> None:
        if strict:
            raise GoldError(msg)
        log.warning("%s (skipped)", msg)

    def checked(labels: list[str], rec: Document, fld: str) -> list[str] | None:
        unknown = [lab for lab in labels if lab not in known]
        if unknown:
            msg = (f"{rec.file}:{rec.line}: unknown label {unknown[0]!r} in field {fld!r} "
                   f"(id {rec.id}); codebook {codebook.name} v{codebook.version} has: "
                   + ", ".join(codebook.label_ids))
            if strict:
                raise GoldError(msg)
            log.warning("%s (label dropped)", msg)
        return [lab for lab in labels if lab in known]

    for rec in iter_records(path):
        if isinstance(rec, ErrorRecord):
            problem(f"{rec}")
            continue
        labels = _label_list(rec.meta.get("labels"))
        if labels is None:
            problem(f"{rec.file}:{rec.line}: gold record {rec.id!r} needs a 'labels' list of "
                    f"label ids (got {type(rec.meta.get('labels')).__name__})")
            continue
        coders = {}
        bad = False
        for k, v in rec.meta.items():
            if k.startswith("coder_"):
                lst = _label_list(v)
                if lst is None:
                    problem(f"{rec.file}:{rec.line}: field {k!r} of {rec.id!r} must be a list of label ids")
                    bad = True
                    break
                coders[k] = checked(lst, rec, k)
        if bad:
            continue
        rows.append(checked(labels, rec, "labels"))
        for k in set(coder_rows) | set(coders):
            coder_rows.setdefault(k, [None] * len(docs)).append(coders.get(k))
        docs.append(rec)
    Y = codebook.to_matrix(rows)
    coder_mats = {k: codebook.to_matrix(v) for k, v in sorted(coder_rows.items())
                  if all(x is not None for x in v)}
    partial = sorted(set(coder_rows) - set(coder_mats))
    if partial:
        log.warning("coder fields present on only some documents of %s, left out: %s",
                    path, ", ".join(partial))
    return docs, np.asarray(Y, dtype=np.int8), coder_mats
