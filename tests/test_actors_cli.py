"""`silkframe extract` / `extract-eval` on small files, and extraction over ministry answers (issue 6)."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from nlp.cli import app


def test_extract_cli_writes_records_and_errors(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "text": "成都市向友好城市波兰罗兹市捐赠口罩。"}, ensure_ascii=False),
        json.dumps({"id": "b", "text": "Guangzhou joined a WHO meeting with Japan and Korea."}),
        json.dumps({"id": "c"}),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(app, ["extract", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    recs = [json.loads(ln) for ln in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs] == ["a", "b"]
    assert (recs[0]["partners"], recs[0]["sister_city"], recs[0]["development"]) == (["POL"], True, {"POL": None})
    assert (recs[1]["format"], recs[1]["partners"], recs[1]["multilateral_bodies"]) == ("multilateral", ["JPN", "KOR"], ["WHO"])
    errs = [json.loads(ln) for ln in (tmp_path / "out.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(errs) == 1 and errs[0]["line"] == 3
    bad = CliRunner().invoke(app, ["extract", str(src), "--out", str(out), "--development", "oecd"])
    assert bad.exit_code == 2


def test_extract_eval_cli(repo_dir):
    res = CliRunner().invoke(app, ["extract-eval", "--gold", str(repo_dir / "corpora/extraction_gold/gold.jsonl")])
    assert res.exit_code == 0, res.output
    assert "partners   P=1.000 R=1.000 F1=1.000 (tp=59 fp=0 fn=0)" in res.output


@pytest.mark.shared
def test_extract_over_200_ministry_answers(shared_dir):
    from nlp.actors import Gazetteer, extract_records
    from nlp.corpus import Document

    gaz = Gazetteer.load(shared_dir / "reference")
    docs = []
    with open(shared_dir / "corpora/fmprc_press_conferences/qa_pairs.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("answer"):
                docs.append(Document(id=f"{r['doc_id']}:{r['qa_index']}", text=r["answer"], lang=r.get("lang"),
                                     date=r.get("date")))
            if len(docs) == 200:
                break
    recs = list(extract_records(docs, gaz))
    assert len(recs) == 200
    with_partners = [r for r in recs if r["partners"]]
    assert len(with_partners) >= 50
    for r in with_partners:
        assert all(len(c) == 3 and c.isupper() and c not in ("CHN", "TWN", "HKG", "MAC") for c in r["partners"])
        assert set(r["development"]) == set(r["partners"])
        assert r["format"] in ("bilateral", "multilateral")
    assert any(v in ("developed", "developing") for r in with_partners for v in r["development"].values())
