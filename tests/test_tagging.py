"""Batch tagging (issue 4): output schema in every format, lossless accounting of bad records,
SIGKILL + resume, byte-identical reruns, --jobs and Dask giving the local path's records, errors."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp.cli import app
from nlp.tagging import TaggingError, TagOptions, output_columns, tag_files

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_classifiers import EN, ZH  # noqa: E402  (the tiny bilingual training data)

TEXTS = [t for t, _ in ZH + EN]
N_BIG = 3000  # synthetic input shared by the accounting, resume, rerun, --jobs and Dask tests


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, codebook):
    """A small linear model trained once per module on the tiny zh/en data."""
    from nlp.classifiers import get_family

    docs = [t for _ in range(2) for t, _l in ZH + EN]
    Y = codebook.to_matrix([lab for _ in range(2) for _t, lab in ZH + EN])
    folder = tmp_path_factory.mktemp("tag_model") / "tiny-linear"
    get_family("linear")(cv=3, min_df=1, max_features=5000).fit(docs, Y).save(folder)
    return folder


def write_synthetic(path: Path, n: int) -> dict:
    """``n`` JSONL lines, 1 in 20 bad (invalid JSON, empty text, GB18030 bytes in a UTF-8 file,
    duplicate id, in turn). Returns {'good': [ids in order], 'bad': {line: reason word}}."""
    good, bad = [], {}
    with open(path, "wb") as f:
        for i in range(n):
            line = i + 1
            kind = (i // 20) % 4 if i % 20 == 19 else None
            if kind == 0:
                f.write(b'{"id": "x%d", "text": \n' % i)
                bad[line] = "invalid JSON"
            elif kind == 1:
                f.write(json.dumps({"id": f"e{i}", "text": "   "}).encode() + b"\n")
                bad[line] = "empty text"
            elif kind == 2:
                f.write(b'{"id": "g%d", "text": "' % i + "中方捐赠口罩".encode("gb18030") + b'"}\n')
                bad[line] = "undecodable"
            elif kind == 3:
                f.write(json.dumps({"id": f"d{i - 1}", "text": "dup"}).encode() + b"\n")
                bad[line] = "duplicate id"
            else:
                rec = {"id": f"d{i}", "text": f"{TEXTS[i % len(TEXTS)]} {i}", "date": f"2020-{1 + i % 12:02d}-01",
                       "source": "zh" if i % len(TEXTS) < len(ZH) else "en"}
                f.write(json.dumps(rec, ensure_ascii=False).encode() + b"\n")
                good.append(f"d{i}")
    return {"good": good, "bad": bad}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def big(tmp_path_factory, model_dir):
    """The synthetic input and one uninterrupted, in-process reference run over it."""
    d = tmp_path_factory.mktemp("tag_big")
    src = d / "in.jsonl"
    truth = write_synthetic(src, N_BIG)
    out = d / "ref.jsonl"
    summary = tag_files([str(src)], out, TagOptions(model=str(model_dir), keep=("date", "source"), chunk_size=50),
                        progress=False)
    return {"dir": d, "src": src, "truth": truth, "out": out, "summary": summary}


def prefix_input(big, n_lines: int, path: Path) -> tuple[bytes, bytes]:
    """Write the first ``n_lines`` of the big input to ``path``; return the reference run's output and
    error bytes for them (records do not depend on chunking, so they are a prefix of the reference)."""
    with open(big["src"], "rb") as f:
        path.write_bytes(b"".join(f.readline() for _ in range(n_lines)))
    out = [ln for ln in big["out"].read_bytes().splitlines(keepends=True)
           if int(json.loads(ln)["id"][1:]) < n_lines]
    err = [ln for ln in Path(str(big["out"]) + ".errors.jsonl").read_bytes().splitlines(keepends=True)
           if json.loads(ln)["line"] <= n_lines]
    return b"".join(out), b"".join(err).replace(str(big["src"]).encode(), str(path).encode())


def _opts(model_dir, **kw) -> TagOptions:
    return TagOptions(model=str(model_dir), **kw)


# ---- schema in every format -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tag_small")
    jl = d / "small.jsonl"
    jl.write_text("".join(json.dumps({"id": f"s{i}", "text": t, "date": "2020-03-01", "source": "mfa", "x": i},
                                     ensure_ascii=False) + "\n" for i, t in enumerate(TEXTS))
                  + '{"id": "s99", "text": ""}\n', encoding="utf-8")
    cs = d / "small.csv"
    with open(cs, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "date", "source"])
        for i, t in enumerate(TEXTS):
            w.writerow([f"c{i}", t, "2020-04-01", "mfa"])
        w.writerow(["c99", "", "", ""])
    return {"jsonl": jl, "csv": cs}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize("src_kind", ["jsonl", "csv"])
def test_small_input_every_format(tmp_path, model_dir, small_inputs, codebook, fmt, src_kind):
    src = small_inputs[src_kind]
    out = tmp_path / f"out.{fmt}"
    s = tag_files([str(src)], out, _opts(model_dir, fmt=fmt, keep=("date", "source"), chunk_size=5), progress=False)
    n = len(TEXTS)
    assert (s.read, s.tagged, s.errors, s.skipped) == (n + 1, n, 1, 0)
    prefix = "s" if src_kind == "jsonl" else "c"
    ids = [f"{prefix}{i}" for i in range(n)]
    labels = list(codebook.label_ids)
    if fmt == "jsonl":
        recs = read_jsonl(out)
        assert [list(r) for r in recs[:1]] == [["id", "date", "source", "lang", "labels", "silk_road", "storytelling",
                                               "probs", "model"]]
        assert [r["id"] for r in recs] == ids
        assert all(list(r["probs"]) == labels for r in recs)
        rows = [{"id": r["id"], "lang": r["lang"], "labels": r["labels"], "silk": r["silk_road"],
                 "story": r["storytelling"], "p": [r["probs"][k] for k in labels], "date": r["date"]} for r in recs]
    elif fmt == "csv":
        with open(out, encoding="utf-8", newline="") as f:
            table = list(csv.DictReader(f))
        assert list(table[0]) == output_columns(labels, ("date", "source"))
        rows = [{"id": r["id"], "lang": r["lang"], "labels": r["labels"].split(";") if r["labels"] else [],
                 "silk": r["silk_road"], "story": r["storytelling"] == "True",
                 "p": [float(r[f"p_{k}"]) for k in labels], "date": r["date"]} for r in table]
    else:
        import pyarrow.parquet as pq

        t = pq.read_table(out)
        assert t.column_names == output_columns(labels, ("date", "source"))
        assert str(t.schema.field("labels").type) == "list<element: string>"
        rows = [{"id": r["id"], "lang": r["lang"], "labels": r["labels"], "silk": r["silk_road"],
                 "story": r["storytelling"], "p": [r[f"p_{k}"] for k in labels], "date": r["date"]}
                for r in t.to_pylist()]
    assert [r["id"] for r in rows] == ids
    assert [r["lang"] for r in rows] == ["zh"] * len(ZH) + ["en"] * len(EN)
    assert {r["date"] for r in rows} == {"2020-03-01" if src_kind == "jsonl" else "2020-04-01"}
    for r in rows:
        assert all(0.0 <= p <= 1.0 for p in r["p"])
        assert r["labels"] == [k for k in labels if k in set(r["labels"])]  # codebook order
        Y = codebook.to_matrix([r["labels"]])
        assert r["silk"] == str(codebook.silk_road_category(Y)[0])
        assert r["story"] == bool(codebook.storytelling_flag(Y)[0])
    # the tiny model learnt its training sentences: the first one is a health-silk-road donation
    assert rows[0]["labels"] == ["covid", "generosity", "health_silk_road"] and rows[0]["silk"] == "health"
    errs = read_jsonl(Path(str(out) + ".errors.jsonl"))
    assert [(Path(e["file"]).name, e["line"], e["id"]) for e in errs] == [(src.name, n + 1, f"{prefix}99")]
    assert "empty text" in errs[0]["reason"]
    meta = json.loads(Path(str(out) + ".meta.json").read_text(encoding="utf-8"))
    assert meta["model"]["name"] == "tiny-linear" and meta["model"]["family"] == "linear"
    assert meta["codebook"]["version"] == codebook.version and meta["codebook"]["labels"] == labels
    assert meta["counts"] == {"read": n + 1, "tagged": n, "errors": 1}
    assert meta["format"] == fmt and meta["keep"] == ["date", "source"]
    assert not Path(str(out) + ".parts").exists()


# ---- lossless accounting ----------------------------------------------------------------------------
def test_every_input_line_accounted_once(big):
    recs = read_jsonl(big["out"])
    errs = read_jsonl(Path(str(big["out"]) + ".errors.jsonl"))
    truth = big["truth"]
    assert [r["id"] for r in recs] == truth["good"]
    assert len(recs) + len(errs) == N_BIG
    assert len(truth["bad"]) == N_BIG // 20
    assert {e["line"]: e for e in errs}.keys() == truth["bad"].keys()
    for e in errs:
        assert Path(e["file"]).name == "in.jsonl"
        assert truth["bad"][e["line"]] in e["reason"], e
    dup = next(e for e in errs if "duplicate" in e["reason"])
    assert dup["id"] == f"d{dup['line'] - 2}" and f"in.jsonl:{dup['line'] - 1}" in dup["reason"]
    s = big["summary"]
    assert (s.read, s.tagged, s.errors, s.skipped, s.chunks) == (N_BIG, len(truth["good"]), N_BIG // 20, 0, N_BIG // 50)
    assert recs[0]["date"] == "2020-01-01" and recs[0]["source"] == "zh"


@pytest.mark.slow
def test_ten_thousand_documents(tmp_path, model_dir):
    src = tmp_path / "in.jsonl"
    truth = write_synthetic(src, 10_000)
    out = tmp_path / "out.csv"
    s = tag_files([str(src)], out, _opts(model_dir, fmt="csv", jobs=2), progress=False)
    with open(out, encoding="utf-8", newline="") as f:
        ids = [r["id"] for r in csv.DictReader(f)]
    errs = read_jsonl(Path(str(out) + ".errors.jsonl"))
    assert ids == truth["good"] and sorted(e["line"] for e in errs) == sorted(truth["bad"])
    assert (s.read, s.tagged, s.errors) == (10_000, 9_500, 500)


# ---- kill -9 and resume -----------------------------------------------------------------------------
def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "nlp", "tag", *args]


def _start_and_wait_for_chunks(args: list[str], parts: Path, n: int = 3) -> subprocess.Popen:
    """Start ``silkframe tag ARGS`` and return once ``n`` chunks are on disk (the run still going)."""
    proc = subprocess.Popen(_cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(parts.glob("chunk-*.errors.jsonl"))) >= n:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be stopped"
    return proc


def test_sigkill_then_resume_is_exact(big, model_dir, tmp_path):
    out = tmp_path / "killed.jsonl"
    parts = Path(str(out) + ".parts")
    args = [str(big["src"]), "--model", str(model_dir), "--out", str(out), "--keep", "date,source",
            "--chunk-size", "50", "--quiet"]
    proc = _start_and_wait_for_chunks(args, parts)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    n_done = len(list(parts.glob("chunk-*[0-9].jsonl")))
    assert 0 < n_done < N_BIG // 50

    again = CliRunner().invoke(app, ["tag", *args])
    assert again.exit_code == 2 and "unfinished run" in again.output and "--resume" in again.output

    res = subprocess.run(_cli(*args, "--resume"), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    n_good = len(big["truth"]["good"])
    assert summary["skipped"] > 0 and summary["read"] == N_BIG and summary["errors"] == N_BIG // 20
    assert summary["skipped"] + summary["tagged"] == n_good
    recs = read_jsonl(out)
    assert [r["id"] for r in recs] == big["truth"]["good"]  # each input id once, in order, no gaps
    ref = read_jsonl(big["out"])
    assert [r["probs"] for r in recs] == [r["probs"] for r in ref]
    assert out.read_bytes() == big["out"].read_bytes()
    assert Path(str(out) + ".errors.jsonl").read_bytes() == Path(str(big["out"]) + ".errors.jsonl").read_bytes()
    assert not parts.exists()

    # resuming a complete run redoes nothing
    done = tag_files([str(big["src"])], out, _opts(model_dir, keep=("date", "source"), chunk_size=50), resume=True)
    assert (done.read, done.skipped, done.tagged, done.errors) == (N_BIG, n_good, 0, N_BIG // 20)
    assert out.read_bytes() == big["out"].read_bytes()


# ---- determinism, --jobs, Dask ----------------------------------------------------------------------
def test_rerun_is_byte_identical(big, model_dir, tmp_path):
    # JSONL: a rerun (here with another chunk size) gives the reference run's bytes
    out = tmp_path / "again.jsonl"
    tag_files([str(big["src"])], out, _opts(model_dir, keep=("date", "source"), chunk_size=700), progress=False)
    assert out.read_bytes() == big["out"].read_bytes()
    assert Path(str(out) + ".errors.jsonl").read_bytes() == Path(str(big["out"]) + ".errors.jsonl").read_bytes()
    # CSV: two runs over the same input (and model), byte for byte
    src = tmp_path / "part.jsonl"
    prefix_input(big, 600, src)
    outs = []
    for run in range(2):
        o = tmp_path / f"run{run}" / "tags.csv"
        tag_files([str(src)], o, _opts(model_dir, fmt="csv", keep=("date", "source"), chunk_size=100), progress=False)
        outs.append(o)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert outs[0].read_bytes().count(b"\n") == 1 + 570
    assert Path(str(outs[0]) + ".errors.jsonl").read_bytes() == Path(str(outs[1]) + ".errors.jsonl").read_bytes()


def test_jobs_2_same_records_same_order(big, model_dir, tmp_path):
    out = tmp_path / "j2.jsonl"
    s = tag_files([str(big["src"])], out, _opts(model_dir, keep=("date", "source"), chunk_size=100, jobs=2),
                  progress=False)
    assert out.read_bytes() == big["out"].read_bytes()
    assert Path(str(out) + ".errors.jsonl").read_bytes() == Path(str(big["out"]) + ".errors.jsonl").read_bytes()
    assert (s.tagged, s.errors) == (big["summary"].tagged, big["summary"].errors)


@pytest.mark.dask
def test_dask_local_cluster_matches_local(big, model_dir, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    src = tmp_path / "part.jsonl"
    want_out, want_err = prefix_input(big, 800, src)
    # the engine starts its own 2-process LocalCluster when no scheduler is given
    out = tmp_path / "dask.jsonl"
    s = tag_files([str(src)], out, _opts(model_dir, keep=("date", "source"), chunk_size=100, engine="dask"),
                  progress=False)
    assert out.read_bytes() == want_out
    assert Path(str(out) + ".errors.jsonl").read_bytes() == want_err
    assert (s.read, s.tagged, s.errors, s.chunks) == (800, 760, 40, 8)
    # ... or uses the scheduler it is pointed at (as on a real cluster)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        out2 = tmp_path / "dask2.parquet"
        s2 = tag_files([str(src)], out2, _opts(model_dir, fmt="parquet", keep=("date", "source"), chunk_size=100,
                                               engine="dask", scheduler=cl.scheduler_address), progress=False)
    import pyarrow.parquet as pq

    got = pq.read_table(out2).to_pylist()
    ref = [json.loads(ln) for ln in want_out.splitlines()]
    assert [r["id"] for r in got] == [r["id"] for r in ref]
    assert [[r[f"p_{k}"] for k in ref[0]["probs"]] for r in got] == [list(r["probs"].values()) for r in ref]
    assert (s2.tagged, s2.errors) == (760, 40)


# ---- errors and progress ----------------------------------------------------------------------------
def test_cli_errors_exit_2(tmp_path, model_dir, small_inputs):
    src = str(small_inputs["jsonl"])
    r = CliRunner().invoke(app, ["tag", src, "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "o.jsonl")])
    assert r.exit_code == 2 and "not a model folder" in r.output
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(tmp_path / "o.x"),
                                 "--format", "xml"])
    assert r.exit_code == 2 and "unknown output format 'xml'" in r.output
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(tmp_path / "o.x"),
                                 "--engine", "spark"])
    assert r.exit_code == 2 and "unknown engine" in r.output
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(tmp_path / "o.x"),
                                 "--scheduler", "tcp://h:8786"])
    assert r.exit_code == 2 and "add --engine dask" in r.output
    # an unfinished run: chunk files on disk, no --resume
    out = tmp_path / "u.jsonl"
    tag_files([src], out, _opts(model_dir, chunk_size=5), progress=False, keep_parts=True)
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(out), "--chunk-size", "5"])
    assert r.exit_code == 2 and "unfinished run" in r.output and "--resume" in r.output
    # --resume with other settings is refused too; --overwrite starts again
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(out), "--chunk-size", "7",
                                 "--resume"])
    assert r.exit_code == 2 and "other inputs, model or settings" in r.output
    with pytest.raises(TaggingError, match="unfinished run"):
        tag_files([src], out, _opts(model_dir, chunk_size=5), progress=False)
    s = tag_files([src], out, _opts(model_dir, chunk_size=7), overwrite=True, progress=False)
    assert (s.tagged, s.errors, s.skipped) == (len(TEXTS), 1, 0)


def test_progress_bar_only_on_request_or_tty(tmp_path, model_dir, small_inputs, capfd):
    src = str(small_inputs["jsonl"])
    tag_files([src], tmp_path / "a.jsonl", _opts(model_dir), progress=True)
    assert "tagging" in capfd.readouterr().err
    tag_files([src], tmp_path / "b.jsonl", _opts(model_dir))  # stderr is not a TTY here
    assert capfd.readouterr().err == ""
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(tmp_path / "c.jsonl"), "--quiet"])
    assert r.exit_code == 0 and json.loads(r.stdout)["tagged"] == len(TEXTS)
    assert r.stderr == ""
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(tmp_path / "d.jsonl")])
    assert r.exit_code == 0 and "tagging" not in r.stderr and "skipped as already done 0" in r.stderr


# ---- outputs that would clobber inputs, --keep, --format from OUT, SIGTERM --------------------------
def test_out_that_is_an_input_or_unwritable_is_refused_before_work(tmp_path, model_dir, small_inputs):
    src = tmp_path / "same.jsonl"
    src.write_bytes(small_inputs["jsonl"].read_bytes())
    with pytest.raises(TaggingError, match="one of this run's own files"):
        tag_files([str(src)], src, _opts(model_dir), progress=False)
    assert src.read_bytes() == small_inputs["jsonl"].read_bytes()
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "a.jsonl").write_bytes(src.read_bytes())
    pattern, out = str(tmp_path / "g" / "*.jsonl"), tmp_path / "g" / "tagged.jsonl"
    first = tag_files([pattern, str(tmp_path / "g")], out, _opts(model_dir), progress=False)
    again = tag_files([pattern, str(tmp_path / "g")], out, _opts(model_dir), progress=False)
    # the glob (and the folder walk) skip the run's own output, sidecars and chunk folder
    assert (first.read, first.errors) == (again.read, again.errors) == (len(TEXTS) + 2, 2)
    assert [e["reason"] for e in read_jsonl(Path(str(out) + ".errors.jsonl"))][1].startswith("folder ")
    corpus_tmp = tmp_path / "corpus.jsonl.tmp"  # an input that the merge's temp file would replace
    corpus_tmp.write_bytes(src.read_bytes())
    with pytest.raises(TaggingError, match="one of this run's own files"):
        tag_files([str(corpus_tmp)], tmp_path / "corpus.jsonl", _opts(model_dir, input_format="jsonl"), progress=False)
    assert corpus_tmp.read_bytes() == src.read_bytes()
    with pytest.raises(TaggingError, match="is a folder"):
        tag_files([str(src)], tmp_path / "g", _opts(model_dir), progress=False)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(TaggingError, match="cannot write --out"):
        tag_files([str(src)], tmp_path / "afile" / "o.jsonl", _opts(model_dir), progress=False)
    with pytest.raises(TaggingError, match="cannot write --out"):
        tag_files([str(src)], tmp_path / ("x" * 250 + ".jsonl"), _opts(model_dir), progress=False)
    assert not list(tmp_path.glob("afile*.parts")) and not (tmp_path / "g.parts").exists()


def test_keep_copies_the_input_fields_themselves(tmp_path, model_dir):
    src = tmp_path / "k.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "China donated masks to Italy.", "file": "press_0412.pdf",
                               "line": "MFA line", "meta": "m", "published": "2020-01-02", "date": "own"}) + "\n",
                   encoding="utf-8")
    out = tmp_path / "k.out.jsonl"
    keep = ("file", "line", "meta", "to_dict", "published", "date", "text")
    tag_files([str(src)], out, _opts(model_dir, keep=keep, date_field="published"), progress=False)
    rec = read_jsonl(out)[0]
    assert {k: rec[k] for k in keep} == {"file": "press_0412.pdf", "line": "MFA line", "meta": "m", "to_dict": None,
                                         "published": "2020-01-02", "date": "own",
                                         "text": "China donated masks to Italy."}
    with pytest.raises(TaggingError, match="more than once"):
        tag_files([str(src)], tmp_path / "d.jsonl", _opts(model_dir, keep=("date", "date")), progress=False)
    for clash in (("lang",), ("labels", "x"), ("p_covid",)):
        with pytest.raises(TaggingError, match="has its own field"):
            tag_files([str(src)], tmp_path / "c.jsonl", _opts(model_dir, keep=clash), progress=False)


def test_cli_format_follows_out_suffix_and_encoding_is_checked(tmp_path, model_dir, small_inputs):
    src = str(small_inputs["jsonl"])
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(tmp_path / "t.csv"), "-q"])
    assert r.exit_code == 0 and (tmp_path / "t.csv").read_text(encoding="utf-8").startswith("id,lang,labels,")
    r = CliRunner().invoke(app, ["tag", src, "--model", str(model_dir), "--out", str(tmp_path / "e.jsonl"),
                                 "--encoding", "nope"])
    assert r.exit_code == 2 and "unknown encoding 'nope'" in r.output
    gb = tmp_path / "gb.csv"
    gb.write_bytes("id,text\ng1,中方向意大利捐赠口罩。\n".encode("gb18030"))
    r = CliRunner().invoke(app, ["tag", str(gb), "--model", str(model_dir), "--out", str(tmp_path / "gb.jsonl"),
                                 "--encoding", "gb18030", "-q"])
    assert r.exit_code == 0 and json.loads(r.stdout)["tagged"] == 1


def test_sigterm_stops_workers_quietly_and_resume_is_exact(big, model_dir, tmp_path):
    out = tmp_path / "termed.jsonl"
    parts = Path(str(out) + ".parts")
    args = [str(big["src"]), "--model", str(model_dir), "--out", str(out), "--keep", "date,source",
            "--chunk-size", "50", "--jobs", "2", "--quiet"]
    proc = _start_and_wait_for_chunks(args, parts)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Traceback" not in err and "--resume" in err
    res = subprocess.run(_cli(*args, "--resume"), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert out.read_bytes() == big["out"].read_bytes()


def test_predict_cli_checks_format_and_exits_1_on_unreadable_records(tmp_path, model_dir, small_inputs):
    src = str(small_inputs["jsonl"])  # its last record has an empty text
    r = CliRunner().invoke(app, ["predict", src, "--model", str(model_dir), "--format", "csv"])
    assert r.exit_code == 2 and "unknown --format 'csv'" in r.output
    r = CliRunner().invoke(app, ["predict", src, "--model", str(model_dir), "--format", "jsonl"])
    assert r.exit_code == 1 and len([ln for ln in r.stdout.splitlines() if ln.startswith("{")]) == len(TEXTS)
    assert "1 input record(s) could not be read" in r.stderr


def test_t2s_scores_traditional_text_as_its_simplified_form(tmp_path, model_dir):
    src = tmp_path / "hk.jsonl"
    rows = [{"id": "t", "text": "中國向友好城市捐贈了口罩和防護服。"}, {"id": "s", "text": "中国向友好城市捐赠了口罩和防护服。"}]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    plain, conv = tmp_path / "plain.jsonl", tmp_path / "t2s.jsonl"
    tag_files([str(src)], plain, _opts(model_dir), progress=False)
    tag_files([str(src)], conv, _opts(model_dir, t2s=True, keep=("text",)), progress=False)
    p, c = read_jsonl(plain), read_jsonl(conv)
    assert c[0]["probs"] == c[1]["probs"] == p[1]["probs"] != p[0]["probs"]
    assert c[0]["text"] == rows[0]["text"]  # outputs keep the input as given
    assert json.loads(Path(str(conv) + ".meta.json").read_text())["run"]["t2s"] is True
