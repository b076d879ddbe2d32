"""Batch tagging at scale: streaming, parallel, resumable and lossless.

The input is streamed in chunks of records (documents and error records, in input order). Each
chunk is tagged (in this process, in worker processes, or on a Dask cluster) and written
atomically to ``OUT.parts/`` as two files (tagged records and error records; temp file + fsync +
rename). A killed run (``kill -9`` included) resumes with ``resume=True``: chunk boundaries are a
pure function of the input and the chunk size, so finished chunks are skipped and nothing is
duplicated or lost. When all chunks are done they are merged, in input order, into ``OUT`` (JSONL,
CSV or Parquet) and ``OUT.errors.jsonl``, with a sidecar ``OUT.meta.json`` naming the model and
codebook. Every input record ends up as exactly one output record or one error record.

Why local workers serialise AND write their own chunk files: the parent then only reads the
input and feeds the workers, so ``jobs=N`` scales (a finished chunk file is complete and atomic
whoever writes it). Dask workers return JSON lines, written by the client, as cluster workers
need not share its file system.

With the optional ``orjson`` package, input lines are parsed and output records serialised
with it wherever that gives exactly what the ``json`` module gives (see
:func:`nlp.readers._loads` and :func:`_orjson_safe`); the output bytes do not depend on it.

Output schema (one record per tagged document, input order): ``id``, the kept input fields,
``lang``, ``labels`` (over threshold, codebook order), ``silk_road`` (health/digital/general/none),
``storytelling``, one probability per label (``probs`` object in JSONL, ``p_<label>`` columns in
CSV/Parquet) and ``model``. See ``docs/tagging.md``.
"""
from __future__ import annotations

import codecs
import csv
import datetime as _dt
import hashlib
import itertools
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

__all__ = ["TagOptions", "TagSummary", "tag_files", "output_format", "tag_chunk", "tag_chunk_lines", "output_columns",
           "TaggingError", "FORMATS"]

log = logging.getLogger(__name__)

#: Output formats of :func:`tag_files`.
FORMATS = ("jsonl", "csv", "parquet")
#: Record fields before the kept input fields / after them, in output order.
_HEAD = ("id",)
_TAIL = ("lang", "labels", "silk_road", "storytelling")


class Terminated(KeyboardInterrupt):
    """The run was stopped by SIGTERM (a scheduler's time limit, ``kill``): handled like Ctrl-C,
    finished chunks are kept for ``--resume``."""


def _on_sigterm(signum, frame):
    raise Terminated()


def _worker_init(opts: dict) -> None:
    """Pool worker start: the parent alone handles Ctrl-C and SIGTERM (it stops the pool), so
    workers ignore SIGINT and die quietly on SIGTERM; then the model is loaded."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker_state(opts)


class TaggingError(RuntimeError):
    """A tagging run that cannot start or resume; the message says what to do."""


@dataclass
class TagOptions:
    """Settings of a tagging run (the ones that change the output are saved in the run manifest,
    so a resume uses the same ones)."""

    model: str
    fmt: str = "jsonl"
    keep: tuple[str, ...] = ()
    chunk_size: int = 1000
    jobs: int = 1
    engine: str = "local"  # local | dask
    scheduler: str | None = None
    dask_workers: int = 2
    extract: bool = False
    reference: str | None = None
    codebook: str | None = None
    text_field: str = "text"
    id_field: str = "id"
    date_field: str = "date"
    input_format: str | None = None
    encoding: str | None = None  # None: detected per file (UTF-8, GB18030, Big5)
    t2s: bool = False  # convert Traditional Chinese to Simplified before the model reads it


@dataclass
class TagSummary:
    """Accounting of a run: ``read == tagged + skipped + errors`` where ``skipped`` counts
    documents tagged by an earlier, interrupted run (``resume``)."""

    read: int = 0
    tagged: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    chunks: int = 0
    out: str = ""

    @property
    def docs_per_s(self) -> float:
        return self.tagged / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return asdict(self) | {"docs_per_s": round(self.docs_per_s, 1)}

    def __str__(self) -> str:
        return (f"read {self.read}, tagged {self.tagged}, errors {self.errors}, skipped as already done {self.skipped}, "
                f"{self.docs_per_s:.0f} docs/s → {self.out}")


# ---- worker side ------------------------------------------------------------------------------------
_MODEL_CACHE: dict = {}


def _worker_state(opts: dict):
    """Model (and gazetteer) loaded once per process, keyed by model path and codebook."""
    key = (opts["model"], opts.get("codebook"), opts.get("extract"), opts.get("reference"))
    st = _MODEL_CACHE.get(key)
    if st is None:
        from nlp.classifiers import load_model
        from nlp.codebook import load_codebook

        cb = load_codebook(opts.get("codebook"))
        model = load_model(opts["model"], codebook=cb)
        # build the lazy lookup tables (vocabulary split, token ids, cue automata) now: forked
        # workers then inherit them instead of each building its own copy
        if getattr(model, "family", None) == "linear":
            model.predict_proba(["预热 warm-up"])
        gaz = None
        if opts.get("extract"):
            from nlp.actors import Gazetteer

            gaz = Gazetteer.load(reference_dir=opts.get("reference"))
        st = (model, cb, gaz)
        _MODEL_CACHE.clear()
        _MODEL_CACHE[key] = st
    return st


def _is_error(item: Any) -> bool:
    return not hasattr(item, "text")


def tag_chunk(items: Sequence, opts: dict) -> tuple[list[dict], list[dict]]:
    """Tag one chunk: ``items`` are :class:`nlp.corpus.Document` and :class:`nlp.corpus.ErrorRecord`
    objects in input order; ``opts`` holds ``model``, ``codebook``, ``keep``, ``extract``, ``reference``.

    Returns (tagged records, error records as dicts), each in input order. Pure given the model,
    and used by every engine, so every engine gives the same records.
    """
    recs, errors, _ = _tag(items, opts)
    return recs, errors


def _tag(items: Sequence, opts: dict) -> tuple[list[dict], list[dict], bool]:
    """:func:`tag_chunk` plus whether every probability lies in [0, 1] (no NaN): checked once on
    the matrix, it tells :func:`_record_bytes` that every record's probabilities print alike in
    ``orjson`` and ``json``."""
    import numpy as np

    from nlp.corpus import to_simplified
    from nlp.predict import make_records

    model, cb, gaz = _worker_state(opts)
    docs = [it for it in items if not _is_error(it)]
    errors = [it.to_dict() for it in items if _is_error(it)]
    if not docs:
        return [], errors, True
    seen = [to_simplified(d) for d in docs] if opts.get("t2s") else docs
    P = model.predict_proba(seen)
    Y = model.decide(P)
    recs = make_records(docs, P, Y, cb, model_name=model.name, keep=tuple(opts.get("keep") or ()),
                        fields=opts.get("fields"))
    if gaz is not None:
        from nlp.actors import extract_fields

        for r, d in zip(recs, seen):
            r.update(extract_fields(d, gaz))
    P = np.asarray(P)
    probs_ok = bool(P.dtype.kind == "f" and ((P >= 0.0) & (P <= 1.0)).all())
    return recs, errors, probs_ok


def _json_default(o: Any) -> Any:
    """Kept input fields can be dates (Parquet), numpy scalars or bytes: make them JSON."""
    if isinstance(o, (_dt.date, _dt.datetime, _dt.time)):
        return o.isoformat()
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, bytes):
        return o.decode("utf-8", "replace")
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)


def _dumps(r: dict) -> str:
    return json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=_json_default)


try:
    import orjson as _orjson
except ImportError:  # optional speed-up
    _orjson = None
_INT64 = (-(2 ** 63), 2 ** 63)


def _orjson_safe(r: dict, keep: Sequence[str], probs_checked: bool = False) -> bool:
    """Does ``orjson.dumps(r)`` give exactly the bytes of :func:`_dumps`?

    Yes for a tagging record whose id is a str, whose kept fields are str, None, bool or 64-bit
    int, and whose probabilities are 4-decimal values in [0, 1]: those print alike in both
    (checked for all 10,001 of them), as do strings (every code point checked). Other floats
    (orjson prints 1e-05 as 0.00001), NaN (null), big ints, lists and dicts go through ``json``.
    ``probs_checked``: the caller checked the probability matrix already (values in [0, 1], so
    ``round(p, 4)`` of them are such 4-decimal floats).
    """
    if type(r.get("id")) is not str:
        return False
    for k in keep:
        v = r.get(k)
        t = type(v)
        if not (t is str or v is None or t is bool or (t is int and _INT64[0] <= v < _INT64[1])):
            return False
    if probs_checked:
        return True
    for v in r["probs"].values():
        if not (type(v) is float and 0.0 <= v <= 1.0 and round(v, 4) == v):
            return False
    return True


def _record_bytes(recs: list[dict], keep: Sequence[str], fast: bool, probs_checked: bool = False) -> list[bytes]:
    """Records as UTF-8 JSON lines (no newline), byte-identical to ``_dumps(r).encode()``."""
    if not fast or _orjson is None:
        return [_dumps(r).encode("utf-8") for r in recs]
    out = []
    dumps = _orjson.dumps
    for r in recs:
        if _orjson_safe(r, keep, probs_checked):
            try:
                out.append(dumps(r))
                continue
            except _orjson.JSONEncodeError:
                pass
        out.append(_dumps(r).encode("utf-8"))
    return out


def tag_chunk_lines(items: Sequence, opts: dict) -> tuple[list[str], list[str]]:
    """:func:`tag_chunk` with both outputs serialised as compact JSON lines (no newline)."""
    recs, errs = tag_chunk(items, opts)
    return [_dumps(r) for r in recs], [_dumps(e) for e in errs]


def _tag_and_write(i: int, items: Sequence, opts: dict, parts: str) -> tuple[int, int, int]:
    """Tag chunk ``i`` and write its two files in ``parts`` (in the worker: the parent then only
    reads the input and feeds the workers, so ``jobs=N`` scales). Returns (i, tagged, errors).

    The same bytes as writing :func:`tag_chunk_lines`, serialised with ``orjson`` where that
    gives identical bytes (see :func:`_orjson_safe`)."""
    recs, errs, probs_ok = _tag(items, opts)
    rec_lines = _record_bytes(recs, tuple(opts.get("keep") or ()), fast=not opts.get("extract"), probs_checked=probs_ok)
    err_lines = [_dumps(e).encode("utf-8") for e in errs]
    _write_chunk(Path(parts), i, rec_lines, err_lines)
    return i, len(rec_lines), len(err_lines)


# ---- chunk files ------------------------------------------------------------------------------------
def _atomic_write(path: Path, lines: Iterable[str | bytes]) -> None:
    """Write lines (str, or UTF-8 bytes) to a temp file in the same folder, fsync it, and rename
    it into place."""
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    data = b"".join(ln if isinstance(ln, bytes) else ln.encode("utf-8") for ln in _with_newlines(lines))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _with_newlines(lines: Iterable[str | bytes]) -> Iterator[str | bytes]:
    for line in lines:
        yield line
        yield b"\n"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _chunk_paths(parts: Path, i: int) -> tuple[Path, Path]:
    return parts / f"chunk-{i:07d}.jsonl", parts / f"chunk-{i:07d}.errors.jsonl"


def _write_chunk(parts: Path, i: int, rec_lines: list[str], err_lines: list[str]) -> None:
    p_out, p_err = _chunk_paths(parts, i)
    _atomic_write(p_err, err_lines)
    _atomic_write(p_out, rec_lines)  # written last: its presence marks the chunk done
    _fsync_dir(parts)


def _chunk_done(parts: Path, i: int) -> bool:
    p_out, p_err = _chunk_paths(parts, i)
    return p_out.exists() and p_err.exists()


# ---- input ------------------------------------------------------------------------------------------
def _chunks(inputs: Sequence[str], opts: TagOptions, exclude: Sequence[str] = ()) -> Iterator[list]:
    """Documents and error records of ``inputs`` in input order, ``opts.chunk_size`` at a time
    (``exclude``: the run's own files, skipped by glob and folder expansion)."""
    from nlp.corpus import iter_records

    it = iter_records(list(inputs), fmt=opts.input_format, text_field=opts.text_field, id_field=opts.id_field,
                      date_field=opts.date_field, encoding=opts.encoding, exclude=exclude)
    while True:
        batch = list(itertools.islice(it, opts.chunk_size))
        if not batch:
            return
        yield batch


def _manifest(inputs: Sequence[str], opts: TagOptions) -> dict:
    """What a resumed run must share with the interrupted one (inputs, chunking, model, fields)."""
    def fingerprint(p: str) -> dict:
        if p == "-":
            return {"path": "-"}
        st = os.stat(p) if os.path.exists(p) else None
        return {"path": os.path.abspath(p), "size": st.st_size if st else None, "mtime": int(st.st_mtime) if st else None}

    h = hashlib.sha256()
    for name in ("config.json", "linear.safetensors", "vocabulary.json"):
        f = Path(opts.model) / name
        if f.exists():
            h.update(name.encode() + b"\0" + f.read_bytes())
    return {"inputs": [fingerprint(str(p)) for p in inputs], "chunk_size": opts.chunk_size,
            "model_sha256": h.hexdigest(), "keep": list(opts.keep), "extract": opts.extract,
            "reference": opts.reference, "text_field": opts.text_field, "id_field": opts.id_field,
            "date_field": opts.date_field, "input_format": opts.input_format, "codebook": opts.codebook,
            **({"encoding": opts.encoding} if opts.encoding else {}), **({"t2s": True} if opts.t2s else {})}


# ---- engines ----------------------------------------------------------------------------------------
class _LocalEngine:
    """In-process (``jobs=1``) or ``jobs`` worker processes, results in input order.

    At most ``2 * jobs`` chunks are in flight, so memory does not grow with the input. Workers
    run in a ``concurrent.futures.ProcessPoolExecutor``: when a signal kills them (SIGTERM to
    the whole process group, as a cluster's time limit sends), it reports the pool broken instead
    of waiting forever on a queue lock a dead worker held, as ``multiprocessing.Pool.terminate``
    could.
    """

    def __init__(self, opts: dict, jobs: int):
        self.opts, self.jobs, self.pool = opts, max(1, int(jobs)), None
        if self.jobs > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # fork is fastest (the parent's imports are shared), but unsafe once threads exist
            # (a Dask client, tqdm's monitor): then use forkserver
            method = "fork" if sys.platform.startswith("linux") and threading.active_count() == 1 else "spawn"
            if method == "spawn" and "forkserver" in mp.get_all_start_methods():
                method = "forkserver"
            if method == "fork":
                _worker_state(opts)  # load once here; forked workers inherit it instead of each loading it
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=mp.get_context(method), initializer=_worker_init,
                                            initargs=(opts,))

    def run(self, chunks: Iterator[tuple[int, list]], parts: Path) -> Iterator[tuple[int, int, int]]:
        """Tag and write each chunk; yields (chunk, tagged, errors) in input order."""
        if self.pool is None:
            for i, items in chunks:
                yield _tag_and_write(i, items, self.opts, str(parts))
            return
        from concurrent.futures.process import BrokenProcessPool

        window: deque = deque()
        try:
            for i, items in chunks:
                window.append(self.pool.submit(_tag_and_write, i, items, self.opts, str(parts)))
                if len(window) >= 2 * self.jobs:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        except BrokenProcessPool:
            raise TaggingError("a worker process died (killed by a signal or out of memory); finished chunks "
                               "are kept: rerun with --resume") from None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class _DaskEngine:
    """Chunks as Dask futures on a cluster (``scheduler`` address) or a local 2-process cluster.

    Each worker process loads the model once (module-level cache); workers must be able to import
    ``nlp`` and read the model folder (shared file system on a real cluster).
    """

    def __init__(self, opts: dict, scheduler: str | None, n_workers: int):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as e:
            raise TaggingError(f"--engine dask needs dask.distributed ({e}); install with: pip install 'silkframe[dask]'") from None
        self.opts, self.cluster = opts, None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as e:
                raise TaggingError(f"cannot connect to the Dask scheduler at {scheduler!r} ({e}); "
                                   "check the address (tcp://HOST:8786) and that the scheduler is running") from None
        else:
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)

    def run(self, chunks: Iterator[tuple[int, list]], parts: Path) -> Iterator[tuple[int, int, int]]:
        """Tag chunks on the cluster, write them here (workers need not share our file system);
        yields (chunk, tagged, errors) in input order."""
        n = len(self.client.scheduler_info().get("workers", {})) or 2

        def written(j: int, fut) -> tuple[int, int, int]:
            rec_lines, err_lines = fut.result()
            _write_chunk(parts, j, rec_lines, err_lines)
            return j, len(rec_lines), len(err_lines)

        window: deque = deque()
        for i, items in chunks:
            window.append((i, self.client.submit(tag_chunk_lines, items, self.opts, pure=False)))
            if len(window) >= 2 * n:
                yield written(*window.popleft())
        while window:
            yield written(*window.popleft())

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


# ---- merge ------------------------------------------------------------------------------------------
def output_columns(label_ids: Sequence[str], keep: Sequence[str] = (), extra: Sequence[str] = ()) -> list[str]:
    """Columns of the CSV/Parquet output, in order: id, kept fields, lang, labels, silk_road,
    storytelling, ``p_<label>`` per label (codebook order), model, then ``extra`` (``--extract``)."""
    return [*_HEAD, *keep, *_TAIL, *(f"p_{lid}" for lid in label_ids), "model", *extra]


def _flat(r: dict, label_ids: Sequence[str], *, join_labels: bool) -> dict:
    out = {k: v for k, v in r.items() if k not in ("probs", "labels")}
    labels = list(r.get("labels", []))
    out["labels"] = ";".join(labels) if join_labels else labels
    probs = r.get("probs", {})
    for lid in label_ids:
        out[f"p_{lid}"] = probs.get(lid)
    for k, v in list(out.items()):
        if k == "labels":
            continue
        if isinstance(v, (list, dict)):
            out[k] = json.dumps(v, ensure_ascii=False, default=_json_default)
    return out


def _parquet_schema(columns: Sequence[str], label_ids: Sequence[str]):
    import pyarrow as pa

    types = {"labels": pa.list_(pa.string()), "storytelling": pa.bool_()}
    types.update({f"p_{lid}": pa.float64() for lid in label_ids})
    return pa.schema([(c, types.get(c, pa.string())) for c in columns])


def _as_str(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return json.dumps(v, ensure_ascii=False, default=_json_default) if isinstance(v, (list, dict)) else str(v)


def _concat_chunks(parts: Path, n_chunks: int, which: int, dest: Path) -> None:
    """Copy chunk files (``which`` 0 = records, 1 = errors) in chunk order into ``dest``, fsynced."""
    with open(dest, "wb") as fo:
        for i in range(n_chunks):
            with open(_chunk_paths(parts, i)[which], "rb") as f:
                shutil.copyfileobj(f, fo)
        fo.flush()
        os.fsync(fo.fileno())


def _merge(parts: Path, n_chunks: int, out: Path, fmt: str, label_ids: Sequence[str], keep: Sequence[str]) -> None:
    """Concatenate the chunk files, in chunk order, into ``out`` and ``OUT.errors.jsonl`` (atomically)."""
    err_path = Path(str(out) + ".errors.jsonl")
    tmp_err = err_path.with_name(err_path.name + ".tmp")
    _concat_chunks(parts, n_chunks, 1, tmp_err)

    def records() -> Iterator[dict]:
        from nlp.readers import _loads  # json.loads results, through orjson when installed

        for i in range(n_chunks):
            with open(_chunk_paths(parts, i)[0], encoding="utf-8") as f:
                for line in f:
                    yield _loads(line)

    base = output_columns(label_ids, keep)
    tmp = out.with_name(out.name + ".tmp")
    if fmt == "jsonl":
        _concat_chunks(parts, n_chunks, 0, tmp)
    elif fmt == "csv":
        with open(tmp, "w", encoding="utf-8", newline="") as fo:
            writer = None
            for r in records():
                flat = _flat(r, label_ids, join_labels=True)
                if writer is None:
                    cols = base + [k for k in flat if k not in base]
                    writer = csv.DictWriter(fo, fieldnames=cols, lineterminator="\n")
                    writer.writeheader()
                writer.writerow(flat)
            if writer is None:
                csv.writer(fo, lineterminator="\n").writerow(base)
            fo.flush()
            os.fsync(fo.fileno())
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        schema = None
        batch: list[dict] = []

        def flush() -> None:
            nonlocal writer, schema, batch
            if not batch:
                return
            if schema is None:
                schema = _parquet_schema(base + [k for k in batch[0] if k not in base], label_ids)
                writer = pq.ParquetWriter(tmp, schema)
            cols = {}
            for fld in schema:
                vals = [row.get(fld.name) for row in batch]
                cols[fld.name] = vals if fld.type != pa.string() else [_as_str(v) for v in vals]
            writer.write_table(pa.Table.from_pydict(cols, schema=schema))
            batch = []

        for r in records():
            batch.append(_flat(r, label_ids, join_labels=False))
            if len(batch) >= 5000:
                flush()
        flush()
        if writer is None:
            pq.write_table(_parquet_schema(base, label_ids).empty_table(), tmp)
        else:
            writer.close()
    else:
        raise TaggingError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    os.replace(tmp_err, err_path)
    os.replace(tmp, out)


# ---- main entry -------------------------------------------------------------------------------------
def _meta_path(out: Path) -> Path:
    return Path(str(out) + ".meta.json")


def output_format(out: str | Path) -> str:
    """The output format OUT's extension asks for (``.csv``, ``.parquet``/``.pq``), else ``jsonl``."""
    from nlp.readers import infer_format

    fmt = infer_format(out)
    return fmt if fmt in FORMATS else "jsonl"


def _check_keep(opts: TagOptions, label_ids: Sequence[str]) -> None:
    """``--keep`` may not name a field the output fills itself (it would silently lose)."""
    from nlp.actors.extract import FLAT_FIELDS

    own = {*_HEAD, *_TAIL, "probs", "model", *(f"p_{lid}" for lid in label_ids), *(FLAT_FIELDS if opts.extract else ())}
    twice = sorted({k for k in opts.keep if opts.keep.count(k) > 1})
    if twice:
        raise TaggingError(f"--keep lists {', '.join(twice)} more than once")
    clash = [k for k in opts.keep if k in own]
    if clash:
        raise TaggingError(f"--keep {','.join(clash)}: the output has its own field of that name (the model's "
                           f"prediction or the document id); rename the input field or leave it out of --keep")


def _own_paths(out: Path) -> list[str]:
    """The files and folders a run writes for ``out`` (output, errors, metadata, their temp
    files, the chunk folder): glob and folder expansion of the inputs skip them."""
    return [str(out), f"{out}.tmp", f"{out}.errors.jsonl", f"{out}.errors.jsonl.tmp", str(_meta_path(out)),
            f"{out}.parts"]


def _check_out(out: Path, inputs: Sequence[str]) -> None:
    """Refuse, before any work, an output that cannot be written, or one of the run's own files
    named as an input (tagging would overwrite the corpus); globs and folders skip them (see
    :func:`_chunks`), so only inputs named explicitly need checking here."""
    try:
        if out.is_dir():
            raise TaggingError(f"--out {out} is a folder: give a file name, e.g. {out / 'tagged.jsonl'}")
        if out.exists() and not out.is_file():
            raise TaggingError(f"--out {out} exists and is not a regular file (a device or pipe); give a file name")
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = Path(f"{out}.errors.jsonl.tmp")  # the longest name the run writes
        existed = probe.exists()
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY, 0o644))
        if not existed:
            probe.unlink()
    except OSError as e:
        raise TaggingError(f"cannot write --out {out}: {e.strerror or e}") from None
    ours = {os.path.realpath(p) for p in _own_paths(out)}
    for p in inputs:
        if p != "-" and os.path.isfile(p) and os.path.realpath(p) in ours:
            raise TaggingError(f"input {p} is one of this run's own files ({out}, its sidecars or their "
                               f"temp files): write the output somewhere else")


def _finished_run(out: Path, manifest: dict, fmt: str) -> dict | None:
    """The ``OUT.meta.json`` of a complete run with the same manifest and format, else None."""
    mp = _meta_path(out)
    if not (out.exists() and mp.exists() and Path(str(out) + ".errors.jsonl").exists()):
        return None
    try:
        meta = json.loads(mp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("run") == manifest and meta.get("format") == fmt else None


def tag_files(inputs: Sequence[str], out: str | Path, opts: TagOptions, *, resume: bool = False,
              overwrite: bool = False, progress: bool | None = None, keep_parts: bool = False) -> TagSummary:
    """Tag every record of ``inputs`` with ``opts.model`` into ``out``; returns the run's accounting.

    Parameters
    ----------
    inputs : list of str
        Files, folders, globs or ``'-'`` (stdin); every format :func:`nlp.corpus.iter_records` reads.
    out : path
        Output file; errors go to ``OUT.errors.jsonl``, metadata to ``OUT.meta.json``, unfinished
        chunks to ``OUT.parts/`` (removed once the run is complete unless ``keep_parts``).
    opts : TagOptions
    resume : bool
        Continue an interrupted run from ``OUT.parts/`` (chunks on disk are skipped and counted as
        ``skipped``); a run that is already complete is not redone.
    overwrite : bool
        Discard an unfinished run in ``OUT.parts/`` and start again. Without ``resume`` or
        ``overwrite`` an unfinished run is an error, so nothing is lost silently.
    progress : bool, optional
        Progress bar on stderr; default: only when stderr is a terminal.

    Raises
    ------
    TaggingError
        Bad format/engine/chunk size, or an unfinished run that can't be resumed as asked.
    nlp.classifiers.ModelError
        ``opts.model`` is not a usable model folder.
    """
    from nlp.classifiers import read_config
    from nlp.codebook import load_codebook

    if opts.fmt not in FORMATS:
        raise TaggingError(f"unknown output format {opts.fmt!r}; choose one of {', '.join(FORMATS)}")
    if opts.engine not in ("local", "dask"):
        raise TaggingError(f"unknown engine {opts.engine!r}; choose local or dask")
    if opts.scheduler and opts.engine != "dask":
        raise TaggingError("--scheduler is an address for the Dask engine: add --engine dask")
    if opts.chunk_size < 1:
        raise TaggingError("--chunk-size must be at least 1")
    if opts.jobs < 1:
        raise TaggingError("--jobs must be at least 1")
    if opts.encoding is not None:
        try:
            codecs.lookup(opts.encoding)
        except LookupError:
            raise TaggingError(f"unknown encoding {opts.encoding!r} (e.g. utf-8, gb18030, big5)") from None
    cfg = read_config(opts.model)  # fail early on a bad model folder
    cb = load_codebook(opts.codebook)
    _check_keep(opts, cb.label_ids)
    out = Path(out)
    _check_out(out, inputs)
    parts = Path(str(out) + ".parts")
    manifest = _manifest(inputs, opts)
    man_path = parts / "manifest.json"
    summary = TagSummary(out=str(out))

    if resume:
        done = _finished_run(out, manifest, opts.fmt)
        if done is not None and not (parts.exists() and any(parts.glob("chunk-*.jsonl"))):
            # complete already (perhaps killed while removing OUT.parts): nothing to redo
            shutil.rmtree(parts, ignore_errors=True)
            c = done.get("counts", {})
            summary.read, summary.skipped, summary.errors = c.get("read", 0), c.get("tagged", 0), c.get("errors", 0)
            log.info("%s is complete already; nothing to resume", out)
            return summary
    if parts.exists():
        old = None
        if man_path.exists():
            try:
                old = json.loads(man_path.read_text(encoding="utf-8"))
            except ValueError:
                old = None
        started = any(parts.glob("chunk-*.jsonl"))
        if overwrite or not started:
            shutil.rmtree(parts)  # discarded on request, or stopped before its first chunk
        elif not resume:
            raise TaggingError(f"{parts} holds an unfinished run: pass --resume to continue it "
                               f"or --overwrite to start again")
        elif old != manifest:
            raise TaggingError(f"{parts}: the unfinished run used other inputs, model or settings "
                               f"(inputs, --chunk-size, --keep and field names must match); "
                               f"remove {parts} or pass --overwrite to start again")
    parts.mkdir(parents=True, exist_ok=True)
    if not man_path.exists():
        _atomic_write(man_path, [json.dumps(manifest, ensure_ascii=False)])

    wopts = {"model": str(opts.model), "codebook": opts.codebook, "keep": list(opts.keep), "extract": opts.extract,
             "reference": opts.reference, "fields": {opts.date_field: "date", opts.text_field: "text"},
             "t2s": opts.t2s}
    engine = (_DaskEngine(wopts, opts.scheduler, opts.dask_workers) if opts.engine == "dask"
              else _LocalEngine(wopts, opts.jobs))  # before the bar: tqdm starts a thread
    show = progress if progress is not None else sys.stderr.isatty()
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(unit="doc", file=sys.stderr, dynamic_ncols=True, desc="tagging")
    t0 = time.perf_counter()
    n_chunks = 0

    def pending() -> Iterator[tuple[int, list]]:
        nonlocal n_chunks
        for i, items in enumerate(_chunks(inputs, opts, _own_paths(out))):
            n_chunks = i + 1
            summary.read += len(items)
            if _chunk_done(parts, i):  # only a resumed run has chunk files at this point
                n_err = sum(1 for it in items if _is_error(it))
                summary.skipped += len(items) - n_err
                summary.errors += n_err
                if bar is not None:
                    bar.update(len(items))
                continue
            yield i, items

    import signal

    main_thread = threading.current_thread() is threading.main_thread()
    old_term = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        for i, n_rec, n_err in engine.run(pending(), parts):
            summary.tagged += n_rec
            summary.errors += n_err
            summary.chunks += 1
            if bar is not None:
                bar.update(n_rec + n_err)
                bar.set_postfix(errors=summary.errors, refresh=False)
    finally:
        engine.close()
        if bar is not None:
            bar.close()
        if main_thread:
            signal.signal(signal.SIGTERM, old_term)
    summary.seconds = round(time.perf_counter() - t0, 3)
    _merge(parts, n_chunks, out, opts.fmt, cb.label_ids, opts.keep)
    meta = {
        "output": out.name, "errors": out.name + ".errors.jsonl", "format": opts.fmt,
        "model": {"path": str(opts.model), "name": cfg.get("name") or Path(opts.model).name, "family": cfg["family"],
                  "sha256": manifest["model_sha256"], "thresholds": cfg["thresholds"]},
        "codebook": {"name": cb.name, "version": cb.version, "sha256": cb.sha256, "labels": list(cb.label_ids)},
        "columns": output_columns(cb.label_ids, opts.keep) if opts.fmt != "jsonl" else None,
        "keep": list(opts.keep), "extract": opts.extract,
        "counts": {"read": summary.read, "tagged": summary.tagged + summary.skipped, "errors": summary.errors},
        "run": manifest,
    }
    _atomic_write(_meta_path(out), [json.dumps(meta, ensure_ascii=False, indent=2)])
    if not keep_parts:
        shutil.rmtree(parts, ignore_errors=True)
    return summary
