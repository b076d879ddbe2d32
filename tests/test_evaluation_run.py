"""Evaluation orchestration: input files and their errors, agreement, errors, CV, CLI (nlp.evaluation.run)."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from nlp.evaluation import cv
from nlp.evaluation.agreement import coder_comparison, pair_agreement
from nlp.evaluation.errors import error_table, snippet
from nlp.evaluation.run import (EvaluationInputError, align_predictions, evaluate_cv, evaluate_model,
                                evaluate_predictions, load_gold, load_predictions, parallel_groups)

KEYWORDS = {"covid": "virus", "effective_response": "transparent", "anti_stigmatization": "stigma",
            "anti_overreaction": "ban", "generosity": "donated", "health_silk_road": "hospital",
            "digital_silk_road": "5g"}


class KeywordModel:
    """Test-only classifier following the Silkframe contract: one keyword per label.

    p = 0.9 when the label's keyword is in the text, else half the label's training prevalence.
    """

    family = "keyword-test"

    def __init__(self, *, name: str = "keyword", codebook=None):
        self.name = name
        self.codebook = codebook

    def fit(self, docs, Y):
        self.prior_ = np.asarray(Y).mean(axis=0)
        self.thresholds_ = np.full(len(KEYWORDS), 0.5)
        return self

    def predict_proba(self, docs):
        texts = [d if isinstance(d, str) else d.text for d in docs]
        P = np.tile(self.prior_ / 2, (len(texts), 1))
        for j, kw in enumerate(KEYWORDS.values()):
            for i, t in enumerate(texts):
                if kw in t.lower():
                    P[i, j] = 0.9
        return P

    def predict(self, docs):
        return (self.predict_proba(docs) >= self.thresholds_).astype(np.int8)


def _records():
    """12 gold records: parallel zh/en pairs share a date; coder_b misses one label."""
    recs = []
    base = [("The virus is under control, transparent data", ["covid", "effective_response"]),
            ("We donated masks against the virus; the hospital team arrived", ["covid", "generosity", "health_silk_road"]),
            ("5G cooperation with partners", ["digital_silk_road"]),
            ("Stop the stigma about the virus", ["covid", "anti_stigmatization"]),
            ("Travel ban is an overreaction to the virus", ["covid", "anti_overreaction"]),
            ("Trade talks continue", [])]
    for k, (text, labels) in enumerate(base):
        for lang in ("en", "zh"):
            coder_b = labels[:-1] if (k == 1 and lang == "zh") else labels
            recs.append({"id": f"d{k}{lang}", "text": f"{text} ({lang})", "lang": lang, "source": "mfa" if k < 4 else "tweet",
                         "date": f"2020-0{k + 1}-01", "labels": labels, "coder_a": labels, "coder_b": coder_b})
    return recs


@pytest.fixture()
def gold_file(tmp_path):
    p = tmp_path / "gold.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in _records()) + "\n", encoding="utf-8")
    return p


@pytest.fixture()
def gold(gold_file, codebook):
    return load_gold(gold_file, codebook)


def _write_preds(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ---- reading and aligning ------------------------------------------------------------------------------
def test_load_gold_reads_coders(gold):
    docs, Y, coders = gold
    assert len(docs) == 12 and Y.shape == (12, 7)
    assert sorted(coders) == ["coder_a", "coder_b"]
    assert int((coders["coder_a"] != coders["coder_b"]).sum()) == 1


def test_load_predictions_jsonl_and_alignment(tmp_path, codebook, gold):
    docs = gold[0]
    rows = [{"id": d.id, "labels": ["covid"], "probs": {k: 0.7 if k == "covid" else 0.1 for k in codebook.label_ids}}
            for d in reversed(docs)]
    pred = load_predictions(_write_preds(tmp_path / "p.jsonl", rows), codebook)
    Y, P = align_predictions(pred, [d.id for d in docs])
    assert Y.shape == (12, 7) and Y[:, 0].all() and not Y[:, 1:].any()
    assert P[:, 0] == pytest.approx([0.7] * 12)


def test_load_predictions_csv(tmp_path, codebook):
    head = "id," + ",".join(f"p_{k}" for k in codebook.label_ids)
    p = tmp_path / "p.csv"
    p.write_text(head + "\nx1,0.9,0.2,0,0,0,0,0.5\nx2,0.1,0.8,0,0,0,0,0\n", encoding="utf-8")
    pred = load_predictions(p, codebook)
    assert pred.ids == ["x1", "x2"]
    assert pred.Y.tolist() == [[1, 0, 0, 0, 0, 0, 1], [0, 1, 0, 0, 0, 0, 0]]  # p >= 0.5
    p.write_text("id," + ",".join(codebook.label_ids) + "\nx1,1,0,0,0,0,0,1\n", encoding="utf-8")
    assert load_predictions(p, codebook).P is None


def _tagged_rows(codebook):
    """Two records as `silkframe tag` makes them: decided labels differ from p >= 0.5 (tuned thresholds)."""
    probs = [dict.fromkeys(codebook.label_ids, 0.1), dict.fromkeys(codebook.label_ids, 0.1)]
    probs[0].update(covid=0.45, generosity=0.3)   # labelled despite p < 0.5
    probs[1].update(covid=0.7)                    # not labelled despite p >= 0.5
    return [{"id": "x1", "lang": "en", "labels": ["covid", "generosity"], "probs": probs[0], "model": "m"},
            {"id": "x2", "lang": "zh", "labels": [], "probs": probs[1], "model": "m"}]


def test_load_predictions_csv_uses_tags_labels_column(tmp_path, codebook):
    from nlp.tagging import _flat  # the writer of tag's CSV rows

    p = tmp_path / "t.csv"
    rows = [_flat(r, codebook.label_ids, join_labels=True) for r in _tagged_rows(codebook)]
    with open(p, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert "covid;generosity" in p.read_text(encoding="utf-8")
    pred = load_predictions(p, codebook)
    assert pred.Y.tolist() == [[1, 0, 0, 0, 1, 0, 0], [0] * 7]  # the labels column, not p >= 0.5
    assert pred.P[1, 0] == pytest.approx(0.7)
    p.write_text("id,labels\nx1,covid;vaccines\n", encoding="utf-8")
    with pytest.raises(EvaluationInputError, match=r"row 1 \(id 'x1'\) column 'labels'.*'vaccines'"):
        load_predictions(p, codebook)


def test_load_predictions_parquet_as_tag_writes_it(tmp_path, codebook):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nlp.tagging import _flat, _parquet_schema, output_columns

    rows = [_flat(r, codebook.label_ids, join_labels=False) for r in _tagged_rows(codebook)]
    schema = _parquet_schema(output_columns(codebook.label_ids), codebook.label_ids)
    for r in rows:
        r.update(silk_road="none", storytelling=False)
    p = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), p)
    pred = load_predictions(p, codebook)
    assert pred.ids == ["x1", "x2"]
    assert pred.Y.tolist() == [[1, 0, 0, 0, 1, 0, 0], [0] * 7]
    assert pred.P[0, 0] == pytest.approx(0.45)
    p.write_bytes(b"not parquet")
    with pytest.raises(EvaluationInputError, match="cannot read as Parquet"):
        load_predictions(p, codebook)


@pytest.mark.parametrize("rows, match", [
    ([{"id": "d0en", "labels": ["covid", "vaccines"]}], r"unknown label.*'vaccines'"),
    ([{"id": "d0en", "labels": [], "probs": {"covidd": 0.5}}], r"unknown label.*'covidd'"),
    ([{"id": "d0en", "labels": []}, {"id": "d0en", "labels": []}], r"duplicate ids 'd0en'"),
    ([{"labels": []}], r"line 1: each record needs an 'id'"),
    ([{"id": "x", "labels": "covid"}], r"'labels' must be a list"),
])
def test_bad_prediction_files(tmp_path, codebook, rows, match):
    with pytest.raises(EvaluationInputError, match=match):
        load_predictions(_write_preds(tmp_path / "p.jsonl", rows), codebook)


def test_empty_and_broken_prediction_files(tmp_path, codebook):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(EvaluationInputError, match="empty"):
        load_predictions(empty, codebook)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "labels": []}\n{oops\n', encoding="utf-8")
    with pytest.raises(EvaluationInputError, match="line 2: invalid JSON"):
        load_predictions(bad, codebook)
    csvp = tmp_path / "p.csv"
    csvp.write_text("id,p_covid,p_nonsense\nx,0.1,0.2\n", encoding="utf-8")
    with pytest.raises(EvaluationInputError, match="unknown label.*'nonsense'"):
        load_predictions(csvp, codebook)
    with pytest.raises(EvaluationInputError, match="not found"):
        load_predictions(tmp_path / "nope.jsonl", codebook)


def test_missing_and_extra_ids_are_named(tmp_path, codebook, gold):
    ids = [d.id for d in gold[0]]
    pred = load_predictions(_write_preds(tmp_path / "p.jsonl", [{"id": i, "labels": []} for i in ids[2:]]), codebook)
    with pytest.raises(EvaluationInputError, match=r"2 gold document\(s\).*'d0en', 'd0zh'"):
        align_predictions(pred, ids)
    rows = [{"id": i, "labels": []} for i in ids] + [{"id": "stray", "labels": []}]
    pred = load_predictions(_write_preds(tmp_path / "p.jsonl", rows), codebook)
    with pytest.raises(EvaluationInputError, match=r"1 prediction\(s\).*match no gold.*'stray'"):
        align_predictions(pred, ids)


def test_empty_gold_and_unknown_gold_label(tmp_path, codebook):
    p = tmp_path / "g.jsonl"
    p.write_text("", encoding="utf-8")
    with pytest.raises(EvaluationInputError, match="no gold documents"):
        load_gold(p, codebook)
    p.write_text(json.dumps({"id": "a", "text": "x", "labels": ["nope"]}) + "\n", encoding="utf-8")
    with pytest.raises(EvaluationInputError, match="unknown label 'nope'"):
        load_gold(p, codebook)


# ---- agreement and errors -------------------------------------------------------------------------------
def test_pair_agreement_and_side_by_side():
    A = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    B = np.array([[1, 0], [0, 1], [0, 0], [0, 1]])
    pa = pair_agreement(A, B, ["x", "y"])
    # x: A [1,1,0,0] B [1,0,0,0]: po .75, pe .25*.5+.75*.5=.5 -> .5; y identical -> 1
    assert pa["per_label"]["x"]["kappa"] == pytest.approx(0.5)
    assert pa["per_label"]["y"]["kappa"] == pytest.approx(1.0)
    assert pa["per_label"]["x"]["f1"] == pytest.approx(2 / 3)
    model = np.array([[1, 0], [1, 1], [0, 0], [0, 0]])
    res = coder_comparison(model, {"coder_a": A, "coder_b": B}, ["x", "y"], n_boot=50)
    assert [(p["a"], p["b"]) for p in res["pairs"]] == [("coder_a", "coder_b"), ("coder_a", "model"), ("coder_b", "model")]
    assert res["table"][0]["coder_a vs model kappa"] == pytest.approx(1.0)  # model equals coder_a on x
    assert res["table"][0]["coder_a vs coder_b kappa"] == pytest.approx(0.5)
    assert coder_comparison(model, {}, ["x", "y"]) is None


def test_pair_agreement_one_label_scores_the_label():
    A, B = np.array([[1], [1], [0], [0]]), np.array([[1], [0], [0], [0]])
    pa = pair_agreement(A, B, ["x"])  # sklearn alone scored the class "absent": F1 0.8
    assert pa["per_label"]["x"]["f1"] == pa["overall"]["macro_f1"] == pa["overall"]["micro_f1"] == pytest.approx(2 / 3)
    res = coder_comparison(None, {"a": A, "b": B}, ["x"], n_boot=20)
    assert res["pairs"][0]["ci"]["n_used"]["per_label"]["x"]["f1"] == 20


def test_learning_curve_one_label_scores_the_label():
    class Never:  # predicts the label for no document: F1 0 (sklearn alone scored "absent": ~0.67)
        def fit(self, docs, Y):
            return self

        def predict(self, docs):
            return np.zeros((len(docs), 1), int)

    Y = np.array([[1], [0]] * 5)
    lc = cv.learning_curve(Never, [f"d{i}" for i in range(10)], Y, fractions=(1.0,), k=2)
    assert lc["macro_f1_folds"] == [[0.0, 0.0]]


def test_coder_comparison_uses_commonly_coded_docs():
    A = np.array([[1], [0], [1], [-1]])  # coder_a did not code doc 3
    B = np.array([[1], [0], [0], [1]])
    res = coder_comparison(None, {"coder_a": A, "coder_b": B}, ["x"], n_boot=20)
    assert res["n_docs"] == 3
    assert res["pairs"][0]["per_label"]["x"]["f1"] == pytest.approx(2 / 3)


def test_error_table_sorted_by_confidence(codebook):
    docs = [{"id": f"d{i}", "text": "word " * 100} for i in range(4)]
    Yt = np.array([[0], [0], [1], [1]])
    Yp = np.array([[1], [1], [0], [0]])
    P = np.array([[0.6], [0.95], [0.2], [0.01]])
    coders = {"coder_a": np.array([[1], [0], [1], [1]])}
    t = error_table(docs, Yt, Yp, ["x"], P=P, coders=coders)["x"]
    assert [r["id"] for r in t["fp"]] == ["d1", "d0"]  # most confident false positive first
    assert [r["id"] for r in t["fn"]] == ["d3", "d2"]  # most confidently missed first
    assert t["fp"][1]["coder_a"] == ["x"] and t["fp"][0]["gold"] == []
    assert len(t["fp"][0]["snippet"]) == 200 and t["fp"][0]["snippet"].endswith("…")
    assert snippet("  a\n b ") == "a b"


# ---- evaluation end to end ----------------------------------------------------------------------------------
def test_evaluate_predictions_with_coder_b(gold, codebook):
    docs, Y, coders = gold
    res = evaluate_predictions(Y, coders["coder_b"], codebook=codebook, docs=docs, coders=coders, by=("lang", "source+lang"),
                               n_boot=100, name="coder_b as model")
    m = res["models"][0]
    gen = next(r for r in m["metrics"]["per_label"] if r["label"] == "health_silk_road")
    assert gen["recall"] == pytest.approx(1 / 2) and gen["precision"] == 1.0  # coder_b missed one of two
    assert res["meta"]["n_docs"] == 12 and res["meta"]["codebook"]["sha256"] == codebook.sha256
    pair = next(p for p in m["agreement"]["pairs"] if p["a"] == "coder_b")
    assert all(v["f1"] == 1.0 for v in pair["per_label"].values())  # the "model" is coder_b
    assert [g["group"] for g in m["breakdowns"]["lang"]] == ["en", "zh"]
    assert [g["n_docs"] for g in m["breakdowns"]["source+lang"]] == [4, 4, 2, 2]
    assert m["breakdowns"]["lang"][0]["overall"]["macro_f1"] == pytest.approx(
        np.mean([1.0 if Y[::2, j].any() else 0.0 for j in range(7)]))  # en docs are all right
    assert m["calibration"] is None
    with pytest.raises(EvaluationInputError, match="no document has field"):
        evaluate_predictions(Y, Y, codebook=codebook, docs=docs, by=("speaker",), n_boot=10)


def test_evaluate_model_compares_models(gold, codebook):
    docs, Y, coders = gold
    a = KeywordModel(name="kw-a").fit(docs, Y)
    b = KeywordModel(name="kw-b").fit(docs, Y)
    b.thresholds_ = np.full(7, 0.95)  # predicts nothing
    res = evaluate_model([a, b], docs, Y, coders, codebook=codebook, n_boot=50)
    assert [r["model"] for r in res["comparison"]] == ["kw-a", "kw-b"]
    assert res["comparison"][1]["macro_f1"] == 0.0
    assert res["comparison"][0]["macro_f1"] == pytest.approx(1.0)  # every keyword is in its documents
    cal = res["models"][0]["calibration"]
    assert cal["covid"]["model_threshold"] == 0.5 and 0 <= cal["covid"]["ece"] <= 1


def test_cross_validation_keeps_groups_and_uses_model_predict(gold, codebook):
    docs, Y, coders = gold
    groups = parallel_groups(docs)
    assert groups[0] == groups[1] == "mfa|2020-01-01"
    for train, test in cv.make_folds(Y, k=3, seed=0, groups=groups):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
    P, Y_pred = cv.cross_val_predict_proba(lambda: KeywordModel(), docs, Y, k=3, groups=groups)
    assert P.shape == (12, 7) and not np.isnan(P).any()
    assert (Y_pred == (P >= 0.5)).all()
    res = evaluate_cv(lambda: KeywordModel(), docs, Y, coders, codebook=codebook, k=3, groups=groups, n_boot=20,
                      learning_curve=True, name="kw (cv3)")
    lc = res["models"][0]["learning_curve"]
    assert lc["fractions"] == [0.2, 0.4, 0.6, 0.8, 1.0] and len(lc["macro_f1_mean"]) == 5
    assert lc["n_train"][-1] == pytest.approx(8.0)  # 12 docs, 3 folds of 4 (groups of 2)
    assert res["models"][0]["mode"] == "cv3"
    with pytest.raises(ValueError, match="groups"):
        cv.make_folds(Y, k=7, groups=groups)


def test_cli_predictions_report(tmp_path, gold_file, codebook):
    from typer.testing import CliRunner

    from nlp.cli import app

    rows = [{"id": r["id"], "labels": r["coder_b"]} for r in _records()]
    pred = _write_preds(tmp_path / "p.jsonl", rows)
    out = tmp_path / "report"
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(gold_file), "--predictions", str(pred), "--out", str(out),
                                   "--n-boot", "50", "--by", "lang"])
    assert res.exit_code == 0, res.output
    assert "macro-F1" in res.output and "report.html" in res.output
    data = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert data["meta"]["gold"] == str(gold_file) and data["meta"]["n_boot"] == 50
    _write_preds(pred, rows[1:])
    res = CliRunner().invoke(app, ["evaluate", "--gold", str(gold_file), "--predictions", str(pred), "--out", str(out)])
    assert res.exit_code == 2 and "d0en" in res.output


@pytest.mark.shared
def test_coder_b_against_real_gold(shared_dir, codebook, tmp_path):
    from nlp.evaluation.run import run_evaluation

    rows = [json.loads(line) for line in (shared_dir / "gold" / "train.jsonl").open(encoding="utf-8")]
    pred = _write_preds(tmp_path / "b.jsonl", [{"id": r["id"], "labels": r["coder_b"]} for r in rows])
    res = run_evaluation(gold=shared_dir / "gold" / "train.jsonl", predictions=pred, n_boot=50)
    pairs = {(p["a"], p["b"]): p for p in res["models"][0]["agreement"]["pairs"]}
    ab, a_model = pairs[("coder_a", "coder_b")], pairs[("coder_a", "b")]
    for lid in codebook.label_ids:  # the "model" is coder_b, so it agrees with coder_a exactly as coder_b does
        assert a_model["per_label"][lid]["kappa"] == pytest.approx(ab["per_label"][lid]["kappa"])
        assert pairs[("coder_b", "b")]["per_label"][lid]["kappa"] == pytest.approx(1.0)
    assert res["meta"]["n_docs"] == len(rows)


def test_cv_factory_copies_a_loaded_models_settings(codebook):
    from nlp.evaluation.run import _factory

    class Settable(KeywordModel):
        def settings(self):
            return {"name": self.name}

    make, family = _factory(Settable(name="from-folder"), None, codebook)
    fresh = make()
    assert family == "keyword-test" and isinstance(fresh, Settable)
    assert fresh.name == "from-folder" and fresh.codebook is codebook and not hasattr(fresh, "prior_")
