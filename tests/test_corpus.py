"""Corpus I/O: every reader, encodings, error records, ids, datasets, gold files."""
from __future__ import annotations

import csv
import io
import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from nlp.corpus import (Document, ErrorRecord, GoldError, from_dataset, iter_records, read_documents,
                        read_gold, to_dataset, write_errors, write_jsonl)
from nlp.readers import detect_encoding

DATA = Path(__file__).parent / "data" / "corpus"
BROKEN = str(DATA / "broken.jsonl")
GB_CSV = str(DATA / "press_gb18030.csv")


def _ids(records):
    return [r.id for r in records]


def _words(text: str) -> str:
    return " ".join(text.split())


# ---- JSONL ------------------------------------------------------------------------------------
def test_jsonl_good_records_and_one_error_per_bad_line():
    docs, errors = read_documents(BROKEN)
    assert _ids(docs) == ["a1", "a4"]
    a1 = docs[0]
    assert (a1.text, a1.lang, a1.date, a1.file, a1.line) == (
        "China's response was swift and effective.", "en", "2020-02-03", BROKEN, 1)
    assert a1.meta == {"speaker": "Hua Chunying"}
    assert docs[1].line == 5 and docs[1].text == "中方愿同各方加强抗疫合作。"
    assert [(e.file, e.line, e.id) for e in errors] == [(BROKEN, 2, None), (BROKEN, 3, "a3")]
    assert errors[0].reason.startswith("invalid JSON at column 37: Expecting property name")
    assert errors[1].reason == "empty text (field 'text' is blank)"


def test_acceptance_jsonl_and_gb18030_csv():
    """Issue 2: broken line + empty text + GB18030 CSV → good records, one error per bad one."""
    recs = list(iter_records([BROKEN, GB_CSV]))
    assert [type(r).__name__ for r in recs] == [
        "Document", "ErrorRecord", "ErrorRecord", "Document",
        "Document", "Document", "Document", "ErrorRecord"]
    docs = [r for r in recs if isinstance(r, Document)]
    assert _ids(docs) == ["a1", "a4", "gb1", "gb2", "gb3"]
    gb = {d.id: d for d in docs if d.file == GB_CSV}
    assert gb["gb2"].text == "中方向有需要的国家提供口罩、呼吸机等抗疫物资援助，共建健康丝绸之路。"
    assert (gb["gb2"].date, gb["gb2"].meta, gb["gb2"].line) == ("2020-04-02", {"speaker": "华春莹"}, 2)
    errors = [r for r in recs if isinstance(r, ErrorRecord)]
    assert [(e.file, e.line) for e in errors] == [(BROKEN, 2), (BROKEN, 3), (GB_CSV, 4)]
    assert "invalid JSON" in errors[0].reason
    assert "empty text (field 'text'" in errors[1].reason
    assert errors[2].reason.startswith("row has 5 fields but the header has 4 (physical line 5)")
    assert str(errors[2]) == f"{GB_CSV}:4: {errors[2].reason}"


def test_jsonl_derived_ids_int_ids_and_bad_values(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text("\n".join([
        '{"text": "no id here"}',
        '{"id": 7, "text": "int id"}',
        '[1, 2]',
        '{"id": "n", "text": 5}',
        '{"id": "m"}',
        '{"id": ["l"], "text": "list id"}',
        '{"id": "", "text": "empty id"}',
        "   ",
    ]) + "\n", encoding="utf-8")
    recs = list(iter_records(p))
    assert [(type(r).__name__, r.id, r.line) for r in recs] == [
        ("Document", "x.jsonl:1", 1), ("Document", "7", 2), ("ErrorRecord", None, 3),
        ("ErrorRecord", "n", 4), ("ErrorRecord", "m", 5), ("ErrorRecord", None, 6),
        ("Document", "x.jsonl:7", 7)]
    assert recs[2].reason.startswith("not a JSON object (got list)")
    assert recs[3].reason == "empty text (field 'text' is not a string but int)"
    assert recs[4].reason.startswith("empty text (field 'text' is missing; fields are: id")
    assert recs[5].reason == "id must be a string or an integer (field 'id', got list)"


def test_jsonl_undecodable_line_keeps_the_rest(tmp_path):
    p = tmp_path / "bad.jsonl"
    good = [json.dumps({"id": f"d{i}", "text": f"中文文本{i}"}, ensure_ascii=False).encode() for i in range(4)]
    p.write_bytes(b"\n".join(good[:2] + [b'{"id": "x", "text": "\xff\xfe"}'] + good[2:]) + b"\n")
    docs, errors = read_documents(p)
    assert _ids(docs) == ["d0", "d1", "d2", "d3"]
    assert [(e.line, e.id) for e in errors] == [(3, None)]
    assert errors[0].reason.startswith("undecodable bytes (utf-8-sig: b'\\xff")


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "1", "text": "a"}\n{"id": "2", "text": "b"}\n')
    (tmp_path / "b.jsonl").write_text('{"id": 2, "text": "c"}\n{"id": "3", "text": "d"}\n')
    a, b = str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")
    docs, errors = read_documents([a, b])
    assert _ids(docs) == ["1", "2", "3"]
    assert [(e.file, e.line, e.id, e.reason) for e in errors] == [
        (b, 1, "2", f"duplicate id '2' (first seen at {a}:2)")]
    docs, errors = read_documents([a, b], dedupe=False)
    assert (_ids(docs), errors) == (["1", "2", "2", "3"], [])


def test_lines_across_the_64kb_sample_boundary(tmp_path):
    """Encoding is chosen from the first 64 KB; lines cut by that boundary are read whole."""
    texts = [f"第{i}条：中方愿同各国加强合作，共同应对挑战。" for i in range(3000)]
    p = tmp_path / "big.csv"
    p.write_bytes(("id,text\r\n" + "".join(f"{i},{t}\r\n" for i, t in enumerate(texts))).encode("gb18030"))
    assert p.stat().st_size > 2 * 64 * 1024
    docs, errors = read_documents(p)
    assert errors == [] and [d.text for d in docs] == texts
    q = tmp_path / "big.jsonl"
    q.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                         for i, t in enumerate(texts)), encoding="utf-8")
    docs, errors = read_documents(q)
    assert errors == [] and [d.text for d in docs] == texts and docs[-1].line == 3000


def test_html_flag_and_unknown_format(tmp_path):
    p = tmp_path / "h.jsonl"
    p.write_text('{"id": "h", "text": "<p>Hi <i>there</i></p>"}\n{"id": "e", "text": "<p> </p>"}\n')
    docs, errors = read_documents(p, html=True)
    assert [_words(d.text) for d in docs] == ["Hi there"]
    assert [(e.id, e.reason) for e in errors] == [
        ("e", "empty text (field 'text' has no text once HTML is removed)")]
    (tmp_path / "x.xml").write_text("<a/>")
    recs = list(iter_records(tmp_path / "x.xml"))
    assert [(r.line, r.reason) for r in recs] == [
        (None, "unknown file type '.xml'; set the input format (--input-format, or fmt=) to one of "
              "jsonl, csv, tsv, parquet, txt, txt-doc, html")]
    with pytest.raises(ValueError, match="unknown fmt 'xml'"):
        iter_records(p, fmt="xml")


# ---- CSV / TSV ----------------------------------------------------------------------------------
def test_csv_with_bom_and_newline_in_field():
    p = str(DATA / "bom.csv")
    docs, errors = read_documents(p)
    assert errors == []
    assert [(d.id, d.text, d.title, d.line) for d in docs] == [
        ("b1", "第一行\n第二行", "标题", 1), ("b2", "plain text", None, 2)]


def test_csv_column_mapping(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("doc_id,published,body,headline,outlet\n"
                 "x1,2020-01-02,Some text,Head,PD\n"
                 "x2,2020-01-03,,Head2,PD\n", encoding="utf-8")
    docs, errors = read_documents(p, text_field="body", id_field="doc_id", date_field="published",
                                  title_field="headline", source_field="outlet")
    assert [(d.id, d.date, d.text, d.title, d.source, d.meta) for d in docs] == [
        ("x1", "2020-01-02", "Some text", "Head", "PD", {})]
    assert [(e.line, e.id, e.reason) for e in errors] == [(2, "x2", "empty text (field 'body' is blank)")]


def test_tsv(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("id\ttext\tlang\nt1\tcomma, inside\ten\n\nt2\t第二\tzh\n", encoding="utf-8")
    docs, errors = read_documents(p)
    assert errors == []
    assert [(d.id, d.text, d.lang, d.line) for d in docs] == [
        ("t1", "comma, inside", "en", 1), ("t2", "第二", "zh", 3)]


def test_csv_without_text_column_names_the_columns(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("id,body\n1,hello\n", encoding="utf-8")
    recs = list(iter_records(p))
    assert [(type(r).__name__, r.line, r.id) for r in recs] == [("ErrorRecord", 1, "1")]
    assert recs[0].reason == "empty text (field 'text' is missing; fields are: id, body (set text_field=))"


# ---- Parquet ------------------------------------------------------------------------------------
def test_parquet_streams_row_groups(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"id": [1, 2, 3, 4, 5], "text": ["a", "b", None, "d", "e"],
                      "lang": ["en", "en", "en", "zh", None], "n": [10, 20, 30, 40, 50]})
    p = tmp_path / "c.parquet"
    pq.write_table(table, p, row_group_size=2)
    assert pq.ParquetFile(p).num_row_groups == 3
    recs = list(iter_records(p))
    assert [(type(r).__name__, r.id, r.line) for r in recs] == [
        ("Document", "1", 1), ("Document", "2", 2), ("ErrorRecord", "3", 3),
        ("Document", "4", 4), ("Document", "5", 5)]
    assert (recs[3].lang, recs[3].meta, recs[4].lang) == ("zh", {"n": 40}, None)
    assert recs[2].reason == "empty text (field 'text' is null)"


# ---- folders, globs, text files, stdin -------------------------------------------------------------
def test_folder_of_txt_and_html():
    docs, errors = read_documents(DATA / "pages")
    assert errors == []
    assert [(d.id, d.line) for d in docs] == [("a.txt", None), ("sub/b.html", None)]
    assert docs[0].text.strip() == "外交部发言人答记者问。"
    assert docs[1].file == str(DATA / "pages" / "sub" / "b.html")
    assert _words(docs[1].text) == "Hello world 第二段"
    raw, _ = read_documents(DATA / "pages", html=False)
    assert raw[1].text.startswith("<html><body><p>Hello")


def test_glob_pattern_sorted_and_missing(tmp_path):
    for name in ("b.jsonl", "a.jsonl"):
        (tmp_path / name).write_text(json.dumps({"id": name, "text": name}) + "\n")
    docs, errors = read_documents([str(tmp_path / "*.jsonl"), str(tmp_path / "none*.csv"),
                                   str(tmp_path / "missing.jsonl")])
    assert _ids(docs) == ["a.jsonl", "b.jsonl"]
    assert [(e.line, e.reason.split(":")[0]) for e in errors] == [
        (None, "no files match the pattern '" + str(tmp_path / "none*.csv") + "'"),
        (None, "file not found")]


def test_derived_ids_stay_unique_across_same_named_inputs(tmp_path, monkeypatch):
    for year in ("y2020", "y2021"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "press.jsonl").write_text(json.dumps({"text": f"{year} doc"}) + "\n", encoding="utf-8")
        (tmp_path / year / "pages").mkdir()
        (tmp_path / year / "pages" / "0001.txt").write_text(f"{year} page", encoding="utf-8")
    a, b = (str(tmp_path / y / "press.jsonl") for y in ("y2020", "y2021"))
    docs, errors = read_documents([a, b])
    assert errors == [] and [d.id for d in docs] == [Path(a).as_posix() + ":1", Path(b).as_posix() + ":1"]
    docs, errors = read_documents([str(tmp_path / y / "pages") for y in ("y2020", "y2021")])
    assert errors == [] and [d.text for d in docs] == ["y2020 page", "y2021 page"]
    assert docs[0].id.endswith("y2020/pages/0001.txt") and docs[1].id.endswith("y2021/pages/0001.txt")
    # a lengthened id meeting another input's short one is lengthened too
    (tmp_path / "top" / "sub").mkdir(parents=True)
    for d in ("top/sub", "sub", "x"):
        (tmp_path / d).mkdir(exist_ok=True)
        (tmp_path / d / "p.html").write_text(f"<p>{d}</p>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # relative paths: the file sub/p.html and top's sub/p.html meet
    docs, errors = read_documents(["top", "sub/p.html", "x/p.html"])
    assert errors == [] and sorted(d.id for d in docs) == ["sub/p.html", "top/sub/p.html", "x/p.html"]
    # alone, or the same file given twice, a file keeps its short name (and twice is a duplicate)
    assert [d.id for d in read_documents(a)[0]] == ["press.jsonl:1"]
    docs, errors = read_documents([a, a])
    assert [d.id for d in docs] == ["press.jsonl:1"] and "duplicate id 'press.jsonl:1'" in errors[0].reason


def test_folder_without_text_files_is_an_error(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    (tmp_path / "empty").mkdir()
    recs = list(iter_records([tmp_path / "data", tmp_path / "empty"]))
    assert [type(r).__name__ for r in recs] == ["ErrorRecord", "ErrorRecord"]
    assert "holds no .txt/.html/.htm files (found 1 .jsonl)" in recs[0].reason
    assert "(it is empty)" in recs[1].reason


def test_json_file_holding_one_array_or_object(tmp_path):
    arr = tmp_path / "arr.json"
    arr.write_text(json.dumps([{"id": "a", "text": "one"}, 5, {"text": "three"}], indent=2), encoding="utf-8")
    recs = list(iter_records(arr))
    assert [(type(r).__name__, r.id, r.line) for r in recs] == [
        ("Document", "a", 1), ("ErrorRecord", None, 2), ("Document", "arr.json:3", 3)]
    assert recs[1].reason == "array element 2 is not a JSON object (got int)"
    obj = tmp_path / "obj.json"
    obj.write_text(json.dumps({"id": "o", "text": "pretty"}, indent=2), encoding="utf-8")
    assert [(d.id, d.text) for d in read_documents(obj)[0]] == [("o", "pretty")]
    lines = tmp_path / "lines.json"  # JSON Lines in a .json file, one bad line
    lines.write_text('{"id": "l1", "text": "a"}\n{"id": "l2", "text": "b"}\n[1]\n', encoding="utf-8")
    docs, errors = read_documents(lines)
    assert [d.id for d in docs] == ["l1", "l2"] and [e.line for e in errors] == [3]
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "b", "text": "x"},\n{"id": "c"\n', encoding="utf-8")
    recs = list(iter_records(broken))
    assert len(recs) == 1 and recs[0].reason.startswith("invalid JSON array at line 2, column")


def test_bom_only_or_bom_blank_jsonl_has_no_records(tmp_path):
    for data in (b"\xef\xbb\xbf", b"\xef\xbb\xbf\n", b"\xef\xbb\xbf\r\n\n"):
        p = tmp_path / "bom.jsonl"
        p.write_bytes(data)
        assert list(iter_records(p)) == []


@pytest.mark.parametrize("encoding,suffix", [("gb18030", "jsonl"), ("big5", "csv")])
def test_encoding_decided_by_first_non_ascii_line(tmp_path, encoding, suffix):
    """The first 64 KB are ASCII: the first non-ASCII line decides the encoding, not a UTF-8 guess."""
    zh = ["中國願與各國攜手應對疫情挑戰。", "共建衛生健康共同體，外交部發言人表示。"]
    p = tmp_path / f"late.{suffix}"
    if suffix == "jsonl":
        rows = [json.dumps({"id": f"a{i}", "text": "english text " * 3}) for i in range(3000)]
        rows += [json.dumps({"id": f"z{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(zh)]
    else:
        rows = ["id,text"] + [f"a{i},english text" for i in range(6000)] + [f"z{i},{t}" for i, t in enumerate(zh)]
    data = ("\n".join(rows) + "\n").encode(encoding)
    assert data[:65536].isascii() and len(data) > 65536
    p.write_bytes(data)
    docs, errors = read_documents(p)
    assert errors == [] and [d.text for d in docs[-2:]] == zh
    docs, errors = read_documents(p, encoding="utf-8")  # forced: the lines are errors, as asked
    assert len(errors) == 2 and "undecodable bytes (utf-8" in errors[0].reason


def test_late_utf8_with_one_corrupt_line_stays_utf8(tmp_path):
    """A corrupt line after the ASCII part must not tip a UTF-8 file into another encoding."""
    rows = [json.dumps({"id": f"a{i}", "text": "english text " * 3}).encode() for i in range(3000)]
    zh = [json.dumps({"id": f"z{i}", "text": f"中方愿同各方加强抗疫合作{i}。"}, ensure_ascii=False).encode() for i in range(50)]
    p = tmp_path / "late_utf8.jsonl"
    p.write_bytes(b"\n".join(rows + zh[:25] + [b'{"id": "bad", "text": "\xd6\xd0\xb9\xfa"}'] + zh[25:]) + b"\n")
    docs, errors = read_documents(p)
    assert [e.line for e in errors] == [3026] and "undecodable bytes (utf-8" in errors[0].reason
    assert [d.text for d in docs[-50:]] == [f"中方愿同各方加强抗疫合作{i}。" for i in range(50)]


def test_big5_text_lines():
    p = DATA / "notes_big5.txt"
    assert detect_encoding(p.read_bytes()) == "big5"
    docs, errors = read_documents(p)
    assert errors == []
    assert [(d.id, d.line) for d in docs] == [("notes_big5.txt:1", 1), ("notes_big5.txt:2", 2)]
    assert docs[1].text == "數位絲綢之路為沿線國家帶來發展機遇，促進了經濟復甦。"
    whole, _ = read_documents(p, fmt="txt-doc")
    assert [(d.id, d.line) for d in whole] == [("notes_big5.txt", None)]
    assert whole[0].text.count("\n") == 2
    forced, _ = read_documents(p, encoding="gb18030")
    assert forced[1].text != docs[1].text  # explicit encoding overrides detection


def test_detect_encoding():
    assert detect_encoding(Path(GB_CSV).read_bytes()) == "gb18030"
    assert detect_encoding("\ufeffid,text\n".encode("utf-8")) == "utf-8-sig"
    mostly_utf8 = ("中文一行\n" * 20).encode() + b"\xff\xfe bad\n" + ("再一行\n" * 5).encode()
    assert detect_encoding(mostly_utf8) == "utf-8-sig"
    cut = "中文".encode()[:4]  # a character cut by the 64 KB sample boundary
    assert detect_encoding(cut, at_eof=False) == "utf-8-sig"


def _stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin_jsonl_and_csv(monkeypatch):
    _stdin(monkeypatch, b'{"id": "s1", "text": "from stdin"}\n{"text": "no id"}\nnot json\n')
    recs = list(iter_records("-"))
    assert [(type(r).__name__, r.id, r.file, r.line) for r in recs] == [
        ("Document", "s1", "<stdin>", 1), ("Document", "<stdin>:2", "<stdin>", 2),
        ("ErrorRecord", None, "<stdin>", 3)]
    _stdin(monkeypatch, Path(GB_CSV).read_bytes())
    docs, errors = read_documents("-", fmt="csv")
    assert _ids(docs) == ["gb1", "gb2", "gb3"] and [e.line for e in errors] == [4]


# ---- writers, dict and datasets round trips ------------------------------------------------------
def test_write_jsonl_round_trip(tmp_path):
    docs, errors = read_documents([BROKEN, GB_CSV])
    out = tmp_path / "sub" / "docs.jsonl"
    assert write_jsonl(docs, out) == 5
    assert [p.name for p in out.parent.iterdir()] == ["docs.jsonl"]  # no temp file left
    back = [Document.from_dict(json.loads(ln)) for ln in out.read_text(encoding="utf-8").splitlines()]
    assert back == docs
    assert write_errors(errors, tmp_path / "errors.jsonl") == 3
    rows = [json.loads(ln) for ln in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert rows[0] == {"file": BROKEN, "line": 2, "id": None, "reason": errors[0].reason}
    assert Document.from_dict({"id": "q", "text": "t", "speaker": "s"}).meta == {"speaker": "s"}


def test_datasets_round_trip():
    docs, _ = read_documents([BROKEN, GB_CSV])
    ds = to_dataset(docs)
    assert ds.column_names == ["id", "text", "lang", "date", "source", "title", "meta"]
    assert ds[3]["meta"] == '{"speaker": "华春莹"}'
    back = list(from_dataset(ds))
    assert [(d.id, d.text, d.lang, d.date, d.meta, d.line) for d in back] == [
        (d.id, d.text, d.lang, d.date, d.meta, i) for i, d in enumerate(docs, start=1)]
    other = list(from_dataset([{"body": "x", "k": 1}, {"body": ""}], text_field="body"))
    assert [(type(r).__name__, r.id) for r in other] == [("Document", "<dataset>:1"), ("ErrorRecord", "<dataset>:2")]
    assert other[0].meta == {"k": 1}


# ---- gold files -------------------------------------------------------------------------------------
def test_read_gold_with_coders(codebook):
    docs, Y, coders = read_gold(DATA / "gold_coders.jsonl", codebook)
    assert codebook.label_ids == ("covid", "effective_response", "anti_stigmatization",
                                  "anti_overreaction", "generosity", "health_silk_road",
                                  "digital_silk_road")
    assert _ids(docs) == ["g1", "g2", "g3"]
    assert Y.tolist() == [[1, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0] * 7]
    assert sorted(coders) == ["coder_a", "coder_b"]
    assert coders["coder_a"].tolist() == [[1, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0] * 7]
    assert coders["coder_b"].tolist() == [[1, 0, 0, 0, 1, 1, 0], [0] * 7, [0] * 7]


def test_read_gold_unknown_label(codebook):
    path = DATA / "gold_unknown.jsonl"
    with pytest.raises(GoldError, match=r"gold_unknown\.jsonl:2: unknown label 'vaccine_diplomacy' "
                                        r"in field 'labels' \(id g9\)"):
        read_gold(path, codebook)
    docs, Y, coders = read_gold(path, codebook, strict=False)
    assert _ids(docs) == ["g1", "g9"]
    assert Y.tolist() == [[1, 0, 0, 0, 1, 1, 0], [1, 0, 0, 0, 0, 0, 0]]
    assert coders == {}  # coder fields only on g1


def test_read_gold_needs_labels(tmp_path, codebook):
    p = tmp_path / "g.csv"
    p.write_text('id,text,labels\n1,a,"covid;generosity"\n2,b,\n', encoding="utf-8")
    docs, Y, _ = read_gold(p, codebook)
    assert Y.tolist() == [[1, 0, 0, 0, 1, 0, 0], [0] * 7]
    q = tmp_path / "g.jsonl"
    q.write_text('{"id": "1", "text": "a"}\n', encoding="utf-8")
    with pytest.raises(GoldError, match=r"g\.jsonl:1: gold record '1' needs a 'labels' list"):
        read_gold(q, codebook)


@pytest.mark.shared
def test_read_gold_shared(shared_dir, codebook):
    docs, Y, coders = read_gold(shared_dir / "gold" / "train.jsonl", codebook)
    assert len(docs) == Y.shape[0] == 1238
    counts = dict(zip(codebook.label_ids, Y.sum(axis=0).tolist()))
    assert counts["covid"] == 545 and counts["digital_silk_road"] == 81
    assert sorted(coders) == ["coder_a", "coder_b"] and coders["coder_a"].shape == (1238, 7)


# ---- property tests -------------------------------------------------------------------------------
_BYTES = st.lists(st.one_of(st.binary(max_size=40),
                            st.sampled_from([b'{"id": "a", "text": "t"}', b'{"text": "\xe4\xb8\xad"}',
                                             b'"q,"', b"a,b", b"\xa4\xa4\xa4\xe5", b"", b" \r"])),
                  max_size=12).map(lambda parts: b"\n".join(parts))


def _read_tmp(data: bytes, suffix: str) -> tuple[list, str]:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"x{suffix}"
        p.write_bytes(data)
        recs = list(iter_records(str(p)))
    assert all(isinstance(r, (Document, ErrorRecord)) for r in recs)
    return recs, str(p)


@settings(max_examples=100, deadline=None)
@given(_BYTES)
def test_property_jsonl_one_record_per_nonblank_line(data):
    recs, _ = _read_tmp(data, ".jsonl")
    lines = data.split(b"\n")
    if lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]  # a BOM is not content
    expected = [i for i, ln in enumerate(lines, start=1) if ln.strip()]
    assert [r.line for r in recs] == expected


def _oracle_csv_rows(data: bytes) -> list[int]:
    """Data-row numbers expected from a CSV: structure read from latin-1 (byte-preserving),
    after the UTF-8 BOM that the reader removes when it reads the file as UTF-8."""
    if data.startswith(b"\xef\xbb\xbf") and detect_encoding(data) == "utf-8-sig":
        data = data[3:]
    lines = data.decode("latin-1").split("\n")
    reader = csv.reader([ln + "\n" for ln in lines[:-1]] + ([lines[-1]] if lines[-1] else []))
    rows, header = [], None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            row = None
        if header is None:
            if row == []:
                continue
            if row is None:
                return [0]
            header, n = row, 0
            continue
        n += 1
        if row != []:
            rows.append(n)
    return rows


@settings(max_examples=100, deadline=None)
@given(_BYTES)
def test_property_csv_one_record_per_nonblank_row(data):
    recs, _ = _read_tmp(data, ".csv")
    assert [r.line for r in recs] == _oracle_csv_rows(data)


def test_lone_surrogate_escape_is_an_error_record(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"id": "a", "text": "ok"}\n'
                 '{"id": "b", "text": "bad \\ud800 half"}\n'
                 '{"id": "c\\ud800", "text": "bad id"}\n'
                 '{"id": "d", "text": "pair \\ud83d\\ude00 fine"}\n', encoding="utf-8")
    docs, errors = read_documents(p)
    assert [d.id for d in docs] == ["a", "d"]
    assert docs[1].text == "pair \U0001F600 fine"
    assert [(e.line, "surrogate" in e.reason) for e in errors] == [(2, True), (3, True)]


def test_text_of_only_invisible_characters_is_empty(tmp_path):
    p = tmp_path / "inv.jsonl"
    rows = [{"id": "zw", "text": "\u200b\u200d\ufeff"}, {"id": "cc", "text": " \u0001\u0002 "}, {"id": "ok", "text": "\u200b中方"}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    docs, errors = read_documents(p)
    assert [d.id for d in docs] == ["ok"]
    assert [(e.id, e.reason) for e in errors] == [
        (i, "empty text (field 'text' holds only invisible characters (zero-width, control))") for i in ("zw", "cc")]


@pytest.mark.parametrize("offset", [65526, 65535, 200_000])
def test_gb18030_starting_near_or_past_the_sample_end(tmp_path, offset):
    """The first Chinese bytes in the last bytes of the first 64 KB (or far past it) still decide."""
    zh = "中国向意大利捐赠口罩，支持当地抗击疫情。"
    lead = '{"id": "z0", "text": "'

    def pad(n: int) -> str:  # one JSON line of exactly n bytes
        return '{"p": "' + "y" * (n - 10) + '"}\n'

    ascii_len = offset - len(lead)
    rows = [pad(1000)] * (ascii_len // 1000 - 1)
    rows.append(pad(ascii_len - 1000 * len(rows)))
    data = "".join(rows).encode() + "".join(
        json.dumps({"id": f"z{k}", "text": zh}, ensure_ascii=False) + "\n" for k in range(5)).encode("gb18030")
    assert _NON_ASCII_AT(data) == offset
    p = tmp_path / "late.jsonl"
    p.write_bytes(data)
    docs, errors = read_documents(p, text_field="text")
    texts = [d.text for d in docs if d.id.startswith("z")]
    assert texts == [zh] * 5 and all("p" in e.reason or "text" in e.reason for e in errors)


def _NON_ASCII_AT(data: bytes) -> int:
    return next(i for i, b in enumerate(data) if b >= 0x80)
