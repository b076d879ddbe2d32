"""Low-level, streaming readers behind :func:`nlp.corpus.iter_records`.

Each reader turns one input (a JSONL/CSV/TSV/Parquet/text file, or stdin) into a stream of
:class:`RawRecord` (the input's fields, untouched) and :class:`RawError` (one per input record
that cannot be read, naming file, line and reason). Mapping fields onto a
:class:`nlp.corpus.Document`, checking text and ids, and de-duplication happen in
:mod:`nlp.corpus`; this module only knows about bytes, encodings and file formats.

Why bytes first: corpora of official Chinese texts arrive as UTF-8 (with or without BOM),
GB18030 or Big5, sometimes with a few corrupt lines. Reading bytes line by line and decoding
each line on its own keeps one bad line from losing the rest of the file.
"""
from __future__ import annotations

import codecs
import csv
import glob
import io
import json
import logging
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, NamedTuple, Sequence

__all__ = [
    "RawRecord", "RawError", "FORMATS", "CANDIDATE_ENCODINGS", "SAMPLE_BYTES", "FOLDER_SUFFIXES",
    "detect_encoding", "infer_format", "expand_paths", "id_bases", "read_source", "iter_json_objects",
]

log = logging.getLogger(__name__)

#: Bytes read from the start of a file to choose its encoding.
SAMPLE_BYTES = 64 * 1024
#: Encodings considered by :func:`detect_encoding`, in order of preference on ties.
CANDIDATE_ENCODINGS = ("utf_8", "gb18030", "big5")
#: Format names accepted by ``fmt=``.
FORMATS = ("jsonl", "csv", "tsv", "parquet", "txt", "txt-doc", "html")
#: Files read (one document each) when a folder is given.
FOLDER_SUFFIXES = (".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")

_SUFFIX_FORMATS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".jsonlines": "jsonl",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".parquet": "parquet", ".pq": "parquet",
    ".txt": "txt", ".html": "html", ".htm": "html",
}
_GLOB_CHARS = set("*?[")
STDIN = "-"
STDIN_NAME = "<stdin>"


class RawRecord(NamedTuple):
    """One input record before mapping onto a Document.

    ``fields`` holds the input's own field names and values. ``plain`` marks records from
    plain-text/HTML inputs, whose text is ``fields['text']`` and id is ``default_id`` whatever
    the caller's field mapping says.
    """

    file: str
    line: int | None
    fields: dict
    default_id: str
    plain: bool = False
    is_html: bool = False


class RawError(NamedTuple):
    """One input record (or whole input) that could not be read."""

    file: str
    line: int | None
    id: str | None
    reason: str


Item = RawRecord | RawError


# ---------------------------------------------------------------------------------------------
# encodings
# ---------------------------------------------------------------------------------------------
def _decodes(data: bytes, encoding: str, *, final: bool) -> bool:
    """True if ``data`` decodes strictly (an incomplete character at the end is allowed
    unless ``final``)."""
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(data, final=final)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def detect_encoding(sample: bytes, *, at_eof: bool = True) -> str:
    """Choose the encoding of a file from the first bytes of it.

    Parameters
    ----------
    sample : bytes
        The first bytes of the file (:data:`SAMPLE_BYTES` is enough).
    at_eof : bool
        True when ``sample`` is the whole file (a character cut at the end is then an error).

    Returns
    -------
    str
        ``'utf-8-sig'`` when the sample is valid UTF-8 (a BOM is then stripped), otherwise
        the candidate (``gb18030`` or ``big5``) that charset-normalizer ranks best and that
        decodes the sample strictly. When no candidate decodes the whole sample (a file with
        some corrupt lines), the candidate that decodes the most lines wins, UTF-8 first on
        ties; the corrupt lines then become error records.
    """
    if _decodes(sample, "utf-8-sig", final=at_eof):
        return "utf-8-sig"
    ranked: list[str] = []
    try:
        from charset_normalizer import from_bytes

        for match in from_bytes(sample, cp_isolation=list(CANDIDATE_ENCODINGS)):
            enc = codecs.lookup(match.encoding).name
            if enc not in ranked:
                ranked.append(enc)
    except Exception:  # charset-normalizer failing must not stop reading; fall back below
        ranked = []
    for enc in ranked:
        if _decodes(sample, enc, final=at_eof):
            return "utf-8-sig" if enc == "utf-8" else enc
    lines = sample.split(b"\n")
    if not at_eof and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle of a character
    best, best_ok = "utf-8-sig", -1
    for enc in CANDIDATE_ENCODINGS:
        ok = sum(_decodes(ln, enc, final=True) for ln in lines)
        if ok > best_ok:
            best, best_ok = ("utf-8-sig" if enc == "utf_8" else enc), ok
    return best


def _decoder(encoding: str):
    """Return ``decode(line_bytes, first) -> str`` raising UnicodeDecodeError on bad bytes.

    Every line is decoded on its own; a leading BOM is removed from the first line only.
    """
    enc = codecs.lookup(encoding).name
    body = "utf-8" if enc in ("utf-8", "utf-8-sig") else enc

    def decode(data: bytes, first: bool) -> str:
        text = data.decode(body, "strict")
        if first and text.startswith("\ufeff"):
            text = text[1:]
        return text

    return decode


class _ByteSource:
    """Byte lines of a binary stream with its encoding chosen from the first 64 KB.

    Works on non-seekable streams (stdin): the sample is kept and replayed. ASCII bytes say
    nothing about the encoding, so in a seekable file the encoding is chosen from the 64 KB that
    start at the first non-ASCII byte, wherever it is (a GB18030 file whose Chinese starts late,
    or in the last bytes of the first 64 KB, still reads; one extra read, then a seek back).
    """

    def __init__(self, stream: BinaryIO, encoding: str | None):
        self.stream = stream
        self.sample = stream.read(SAMPLE_BYTES)
        at_eof = len(self.sample) < SAMPLE_BYTES
        if encoding is None and not at_eof and _seekable(stream):
            m = _NON_ASCII.search(self.sample)
            if m is None or m.start() > 0:
                encoding = self._detect_from_first_non_ascii(m.start() if m else None)
        self.encoding = encoding or detect_encoding(self.sample, at_eof=at_eof)

    def _detect_from_first_non_ascii(self, at: int | None) -> str | None:
        """Encoding of the 64 KB from the first non-ASCII byte (``at`` in the sample, or None: look
        further on); None when the file is all ASCII. The stream is left where it was."""
        start = self.stream.tell()
        try:
            if at is not None:
                window = self.sample[at:] + self.stream.read(at)
            else:
                while True:
                    block = self.stream.read(1 << 20)
                    if not block:
                        return None
                    m = _NON_ASCII.search(block)
                    if m is not None:
                        window = block[m.start():m.start() + SAMPLE_BYTES]
                        break
                if len(window) < SAMPLE_BYTES:
                    window += self.stream.read(SAMPLE_BYTES - len(window))
            return detect_encoding(window, at_eof=len(window) < SAMPLE_BYTES)
        finally:
            self.stream.seek(start)

    def lines(self) -> Iterator[bytes]:
        head = io.BytesIO(self.sample)
        pending = b""
        for ln in head:
            if ln.endswith(b"\n"):
                yield ln
            else:
                pending = ln
        first = True
        for ln in self.stream:
            if first and pending:
                ln = pending + ln
                pending = b""
            first = False
            yield ln
        if pending:
            yield pending


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _seekable(stream: BinaryIO) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, ValueError, OSError):
        return False


def _fmt_decode_error(err: UnicodeDecodeError, encoding: str) -> str:
    """Error-record reason for a line that does not decode."""
    bad = err.object[err.start:err.end][:8]
    return f"undecodable bytes ({encoding}: {bad!r} at byte {err.start} of the line)"


# ---------------------------------------------------------------------------------------------
# paths and formats
# ---------------------------------------------------------------------------------------------
def infer_format(path: str | os.PathLike) -> str | None:
    """Format name from the file extension (``.jsonl``/``.ndjson``/``.json`` → ``jsonl``,
    ``.csv`` → ``csv``, ``.tsv`` → ``tsv``, ``.parquet`` → ``parquet``, ``.txt`` → ``txt``,
    ``.html``/``.htm`` → ``html``); None when unknown."""
    return _SUFFIX_FORMATS.get(Path(path).suffix.lower())


def _excluded(path: str | os.PathLike, exclude: frozenset[str]) -> bool:
    """Is ``path`` (or a folder above it) one of the ``exclude`` real paths?"""
    return bool(exclude) and _excluded_real(os.path.realpath(path), exclude)


def _excluded_real(real: str, exclude: frozenset[str]) -> bool:
    return real in exclude or any(real.startswith(e + os.sep) for e in exclude)


def _folder_files(root: Path, exclude: frozenset[str] = frozenset()) -> list[Path]:
    out = []
    # excluded paths are compared below the folder's real path, resolved once rather than once
    # per file (a run's own files lie in the tree itself, not behind symlinks within it)
    real_root = os.path.realpath(root) if exclude else None
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue  # hidden files and folders (.git, .DS_Store, editor backups)
        if p.suffix.lower() in FOLDER_SUFFIXES and p.is_file():
            if real_root is not None and _excluded_real(os.path.join(real_root, rel), exclude):
                continue
            out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def _empty_folder_reason(root: Path) -> str:
    """Why a folder gave no documents: what it holds instead, and what to do."""
    kinds: dict[str, int] = {}
    for p in root.rglob("*"):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts):
            suffix = p.suffix.lower() or "(no extension)"
            kinds[suffix] = kinds.get(suffix, 0) + 1
    wanted = "/".join(FOLDER_SUFFIXES)
    if not kinds:
        return f"folder {str(root)!r} holds no {wanted} files (it is empty)"
    found = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
    return (f"folder {str(root)!r} holds no {wanted} files (found {found}); a folder is read as one "
            f"document per text/HTML file: pass data files (JSONL, CSV, Parquet) by name or glob")


def id_bases(entries: Sequence[tuple]) -> list[str | None]:
    """What ids derived for records without one start with, per :func:`expand_paths` entry.

    The file name (a folder's file: its path relative to that folder; stdin: ``<stdin>``), so
    ids stay short and do not depend on where the corpus lies; but when two different files of
    the same call share that name (``2020/press.jsonl`` and ``2021/press.jsonl``), each of
    them uses its path as given instead, so their ids cannot collide.
    """
    short: list[str | None] = []
    for e in entries:
        short.append(Path(e[1]).name if e[0] == "file" else e[2] if e[0] == "folder-file"
                     else STDIN_NAME if e[0] == "stdin" else None)
    names = short
    for _ in range(3):  # a lengthened name can meet another input's short one ('sub/p.html'): again
        owners: dict[str, set[str]] = {}
        for e, name in zip(entries, names):
            if name is not None and e[0] != "stdin":
                owners.setdefault(name, set()).add(os.path.realpath(e[1]))
        longer = [Path(e[1]).as_posix() if name is not None and len(owners.get(name, ())) > 1 else name
                  for e, name in zip(entries, names)]
        if longer == names:
            break
        names = longer
    return names


def expand_paths(paths: str | os.PathLike | Iterable[str | os.PathLike], *,
                 exclude: Iterable[str | os.PathLike] = ()) -> Iterator[tuple]:
    """Expand inputs into ``('file', path)``, ``('folder-file', path, rel_id)``, ``('stdin',)``
    or ``('missing', path, reason)`` entries, in input order.

    Globs are expanded (``**`` recursive) and sorted; folders are walked recursively in sorted
    order and give their ``.txt``/``.html``/``.htm`` files (hidden ones skipped). A folder with
    none of those is a ``missing`` entry saying what it holds, so it cannot pass for an empty corpus.
    ``exclude``: files or folders that glob and folder expansion skip (a tagging run's own output
    and work files, which a glob over the output folder would otherwise match); a path named
    explicitly is never skipped.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    exclude = frozenset(os.path.realpath(e) for e in exclude)
    for p in paths:
        s = os.fspath(p)
        if s == STDIN:
            yield ("stdin",)
            continue
        path = Path(s)
        if path.is_dir():
            files = _folder_files(path, exclude)
            if not files:
                yield ("missing", s, _empty_folder_reason(path))
            for f in files:
                yield ("folder-file", str(f), f.relative_to(path).as_posix())
        elif path.exists():
            yield ("file", s)
        elif _GLOB_CHARS & set(s):
            matches = sorted(glob.glob(s, recursive=True))
            if not matches:
                yield ("missing", s, f"no files match the pattern {s!r}")
            for m in matches:
                if not _excluded(m, exclude):
                    yield from expand_paths([m], exclude=exclude)
        else:
            yield ("missing", s, f"file not found: {s!r} (check the path, or quote a glob pattern)")


# ---------------------------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------------------------
def _derived_id(base: str, line: int | None) -> str:
    """Id for records without one: ``<base>:<line>``, ``base`` being the file name (see
    :func:`id_bases`; ``<stdin>`` for stdin)."""
    return base if line is None else f"{base}:{line}"


@lru_cache(maxsize=256)
def _base_name(name: str) -> str:
    """``Path(name).name`` (``<stdin>`` kept), computed once per input rather than per record."""
    return name if name == STDIN_NAME else Path(name).name


try:
    import orjson as _orjson
except ImportError:  # optional speed-up
    _orjson = None
# orjson reads integers beyond 64 bits as floats: lines giving a float this large (or NaN) are
# read again with the json module, which keeps them integers
_HUGE = 2.0 ** 63


def _loads(text: str) -> Any:
    """``json.loads`` of one JSONL line, through ``orjson`` when installed (about 2x faster).

    orjson gives the same objects for every line it accepts except integers beyond 64 bits
    (it returns floats): lines giving a float of magnitude >= 2**63 go to ``json``, as do the lines orjson
    rejects (NaN/Infinity, lone surrogates, bad JSON), so results and error messages stay
    exactly those of the json module.
    """
    if _orjson is not None:
        try:
            obj = _orjson.loads(text)
        except _orjson.JSONDecodeError:
            pass
        else:
            if not _has_huge_float(obj):
                return obj
    obj = json.loads(text.rstrip("\r\n"))
    if "\\ud" in text or "\\uD" in text:  # \uXXXX escapes may leave a lone surrogate: not valid text
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("lone surrogate escape (a \\uD800-\\uDFFF half without its pair) "
                             "is not valid Unicode text") from None
    return obj


def _has_huge_float(obj: Any) -> bool:
    """Any float of magnitude >= 2**63 in ``obj`` (where orjson may have read a big integer)?"""
    if type(obj) is dict:
        obj = obj.values()
    elif type(obj) is not list:
        return type(obj) is float and not -_HUGE < obj < _HUGE
    for v in obj:
        t = type(v)
        if t is str:
            continue
        if t is float:
            if not -_HUGE < v < _HUGE:
                return True
        elif (t is dict or t is list) and _has_huge_float(v):
            return True
    return False


def iter_json_objects(path: str | os.PathLike, error: type[Exception] = ValueError) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line of a small UTF-8 JSONL table the project
    reads whole (gazetteer references, tagged tables), raising ``error`` naming file and line on a
    line that is not one JSON object. Corpora go through :func:`read_source`, which never raises."""
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise error(f"{path}:{i}: invalid JSON ({e})") from None
            if not isinstance(obj, dict):
                raise error(f"{path}:{i}: expected a JSON object, got {type(obj).__name__}")
            yield i, obj


def _read_jsonl(src: _ByteSource, name: str, base: str) -> Iterator[Item]:
    decode = _decoder(src.encoding)
    # UTF-8 input: orjson parses the bytes directly (it checks UTF-8 as strictly as the codec);
    # any line it refuses, or that needs a closer look, takes the path below, so records and
    # error messages are the same either way
    fast = _orjson.loads if _orjson is not None and codecs.lookup(src.encoding).name in ("utf-8", "utf-8-sig") else None
    for lineno, raw in enumerate(src.lines(), start=1):
        if fast is not None:
            try:
                obj = fast(raw)
            except _orjson.JSONDecodeError:
                pass
            else:
                if type(obj) is dict and not _has_huge_float(obj):
                    yield RawRecord(name, lineno, obj, _derived_id(base, lineno))
                    continue
        if not raw.strip() or (lineno == 1 and raw.startswith(b"\xef\xbb\xbf") and not raw[3:].strip()):
            continue  # a blank line (the first may hold just the BOM)
        try:
            text = decode(raw, lineno == 1)
        except UnicodeDecodeError as e:
            yield RawError(name, lineno, None, _fmt_decode_error(e, src.encoding))
            continue
        try:
            obj = _loads(text)
        except json.JSONDecodeError as e:
            yield RawError(name, lineno, None, f"invalid JSON at column {e.colno}: {e.msg} "
                                               "(expected one JSON object per line)")
            continue
        except (ValueError, RecursionError) as e:
            yield RawError(name, lineno, None, f"invalid JSON: {e}")
            continue
        if not isinstance(obj, dict):
            yield RawError(name, lineno, None,
                           f"not a JSON object (got {type(obj).__name__}); each line must be one {{...}} record")
            continue
        yield RawRecord(name, lineno, obj, _derived_id(base, lineno))


def _read_json_document(stream: BinaryIO, name: str, base: str, encoding: str | None) -> Iterator[Item] | None:
    """A ``.json`` file holding ONE JSON value: an array of records (record ``k`` is "line"
    ``k``, the element number) or a single record object. None when a file that starts with
    ``{`` is not one JSON value (then it is read as JSON Lines); a broken array is one error
    record, as its records cannot be told apart. Reads the file into memory."""
    data = stream.read()
    enc = encoding or detect_encoding(data, at_eof=True)
    try:
        text = data.decode(codecs.lookup(enc).name, "strict").lstrip("\ufeff")
    except UnicodeDecodeError as e:
        return iter([RawError(name, None, None, _fmt_decode_error(e, enc).replace("of the line", "of the file"))])
    try:
        value = _loads(text)
    except json.JSONDecodeError as e:
        if text.lstrip()[:1] != "[":
            return None  # perhaps JSON Lines
        return iter([RawError(name, None, None, f"invalid JSON array at line {e.lineno}, column {e.colno}: {e.msg}; "
                                                "no records were read from this file")])
    except (ValueError, RecursionError) as e:
        return iter([RawError(name, None, None, f"invalid JSON: {e}")])
    if isinstance(value, dict):
        return iter([RawRecord(name, 1, value, _derived_id(base, 1))])
    if not isinstance(value, list):
        return iter([RawError(name, None, None, f"a JSON {type(value).__name__}, not records: expected an array "
                                                "of {...} objects, one {...} object, or JSON Lines")])
    out: list[Item] = []
    for k, obj in enumerate(value, start=1):
        if isinstance(obj, dict):
            out.append(RawRecord(name, k, obj, _derived_id(base, k)))
        else:
            out.append(RawError(name, k, None, f"array element {k} is not a JSON object (got {type(obj).__name__})"))
    return iter(out)


class _CsvLines:
    """Decoded physical lines for the csv module, remembering which ones had bad bytes."""

    def __init__(self, src: _ByteSource):
        self.src = src
        self.decode = _decoder(src.encoding)
        self.bad: dict[int, str] = {}  # physical line → decode error message

    def __iter__(self) -> Iterator[str]:
        for n, raw in enumerate(self.src.lines(), start=1):
            try:
                yield self.decode(raw, n == 1)
            except UnicodeDecodeError as e:
                self.bad[n] = _fmt_decode_error(e, self.src.encoding)
                yield raw.decode(codecs.lookup(self.src.encoding).name, "replace").lstrip("\ufeff")


def _read_csv(src: _ByteSource, name: str, base: str, delimiter: str) -> Iterator[Item]:
    lines = _CsvLines(src)
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    row_no = 0  # data rows; the header is row 0
    prev_phys = 0
    while True:
        try:
            row = next(reader)
            err = None
        except StopIteration:
            break
        except csv.Error as e:
            row, err = None, f"malformed CSV: {e}"
        first_phys, last_phys = prev_phys + 1, reader.line_num
        prev_phys = last_phys
        where = (f"physical line {first_phys}" if first_phys >= last_phys
                 else f"physical lines {first_phys}-{last_phys}")
        if row == []:  # a blank line
            if header is not None:
                row_no += 1
            continue
        bad = [lines.bad[i] for i in range(first_phys, last_phys + 1) if i in lines.bad]
        if header is None:
            if err:
                yield RawError(name, 0, None, f"cannot read the CSV header ({err}, {where}); "
                                              "no rows were read from this file")
                return
            # Undecodable bytes in the header become U+FFFD; if that hits the text or id
            # column, every row's error record names the columns it found.
            header = [h.strip() for h in row]
            continue
        row_no += 1
        if err or bad:
            yield RawError(name, row_no, None, f"{err or bad[0]} ({where})")
            continue
        if len(row) != len(header):
            yield RawError(name, row_no, None,
                           f"row has {len(row)} fields but the header has {len(header)} ({where}); "
                           "check quoting and the delimiter")
            continue
        fields: dict[str, Any] = {}
        for k, v in zip(header, row):
            fields.setdefault(k, v)  # a repeated column name keeps its first value
        yield RawRecord(name, row_no, fields, _derived_id(base, row_no))


def _read_txt_lines(src: _ByteSource, name: str, base: str) -> Iterator[Item]:
    decode = _decoder(src.encoding)
    for lineno, raw in enumerate(src.lines(), start=1):
        if not raw.strip():
            continue
        try:
            text = decode(raw, lineno == 1).rstrip("\r\n")
        except UnicodeDecodeError as e:
            yield RawError(name, lineno, _derived_id(base, lineno), _fmt_decode_error(e, src.encoding))
            continue
        if not text.strip():
            continue  # e.g. a line of ideographic spaces
        yield RawRecord(name, lineno, {"text": text}, _derived_id(base, lineno), plain=True)


def _read_whole(stream: BinaryIO, name: str, doc_id: str, encoding: str | None,
                is_html: bool) -> Iterator[Item]:
    data = stream.read()
    enc = encoding or detect_encoding(data, at_eof=True)
    try:
        text = data.decode(codecs.lookup(enc).name, "strict").lstrip("\ufeff")
    except UnicodeDecodeError as e:
        yield RawError(name, None, doc_id, _fmt_decode_error(e, enc).replace("of the line", "of the file"))
        return
    yield RawRecord(name, None, {"text": text}, doc_id, plain=True, is_html=is_html)


def _read_parquet(source: Any, name: str, base: str, batch_size: int = 1024) -> Iterator[Item]:
    try:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(source)
    except Exception as e:  # not a Parquet file, truncated, unreadable
        yield RawError(name, None, None, f"cannot open Parquet file: {e}")
        return
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=batch_size):
            for rec in batch.to_pylist():
                row += 1
                yield RawRecord(name, row, rec, _derived_id(base, row))
    except Exception as e:
        yield RawError(name, row + 1, None, f"cannot read Parquet data after row {row}: {e}")


def read_source(entry: tuple, *, fmt: str | None = None, encoding: str | None = None,
                html: bool | None = None, id_base: str | None = None) -> Iterator[Item]:
    """Stream one expanded input (see :func:`expand_paths`) as RawRecord/RawError items.

    Parameters
    ----------
    entry : tuple
        An entry from :func:`expand_paths`.
    fmt : str, optional
        One of :data:`FORMATS`; inferred from the extension when None (stdin: ``jsonl``).
    encoding : str, optional
        Overrides detection for every file.
    html : bool, optional
        None: ``.html``/``.htm`` files are HTML; True: every text is HTML; False: none is.
    id_base : str, optional
        What ids derived for records without one start with (see :func:`id_bases`); default:
        the file name (a folder's file: its path relative to the folder).
    """
    kind = entry[0]
    if kind == "missing":
        yield RawError(entry[1], None, None, entry[2])
        return
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown fmt {fmt!r}; use one of: {', '.join(FORMATS)}")
    if kind == "folder-file":
        path, rel = entry[1], id_base or entry[2]
        is_html = html if html is not None else Path(path).suffix.lower() in HTML_SUFFIXES
        try:
            with open(path, "rb") as f:
                yield from _read_whole(f, path, rel, encoding, is_html)
        except OSError as e:
            yield RawError(path, None, rel, f"cannot read file: {e}")
        return
    if kind == "stdin":
        name = STDIN_NAME
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a plain text stream (e.g. io.StringIO in tests)
            stream = io.BytesIO(sys.stdin.read().encode("utf-8"))
        yield from _read_stream(stream, name, fmt or "jsonl", encoding, html, id_base or name)
        return
    path = entry[1]
    base = id_base or _base_name(path)
    f_fmt = fmt or infer_format(path)
    if f_fmt is None:
        yield RawError(path, None, None,
                       f"unknown file type {Path(path).suffix!r}; set the input format (--input-format, or fmt=) "
                       f"to one of {', '.join(FORMATS)}")
        return
    if f_fmt == "parquet":
        yield from _read_parquet(path, path, base)
        return
    try:
        f = open(path, "rb")
    except OSError as e:
        yield RawError(path, None, None, f"cannot read file: {e}")
        return
    with f:
        if fmt is None and Path(path).suffix.lower() == ".json" and _looks_like_one_value(f):
            items = _read_json_document(f, path, base, encoding)
            if items is not None:
                yield from items
                return
            f.seek(0)
        yield from _read_stream(f, path, f_fmt, encoding, html, base)


def _looks_like_one_value(f: BinaryIO) -> bool:
    """Does a ``.json`` file start like one JSON value spread over lines (an array, or an
    object whose first line is not a whole record) rather than JSON Lines? Rewinds ``f``."""
    head = f.read(SAMPLE_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    f.seek(0)
    if head[:1] == b"[":
        return True
    if head[:1] != b"{":
        return False
    try:
        json.loads(head.split(b"\n", 1)[0])
    except ValueError:
        return True
    return False


def _read_stream(stream: BinaryIO, name: str, fmt: str, encoding: str | None,
                 html: bool | None, base: str) -> Iterator[Item]:
    if fmt == "parquet":  # stdin: Parquet needs random access, so it is buffered
        yield from _read_parquet(io.BytesIO(stream.read()), name, base)
        return
    if fmt in ("txt-doc", "html"):
        is_html = html if html is not None else fmt == "html"
        yield from _read_whole(stream, name, _derived_id(base, None), encoding, is_html)
        return
    src = _ByteSource(stream, encoding)
    if fmt == "jsonl":
        yield from _read_jsonl(src, name, base)
    elif fmt in ("csv", "tsv"):
        yield from _read_csv(src, name, base, "\t" if fmt == "tsv" else ",")
    elif fmt == "txt":
        yield from _read_txt_lines(src, name, base)
