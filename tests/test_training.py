"""train_model end to end: a model folder whose card carries CV figures, genre breakdowns and coders."""
from __future__ import annotations

import json

import numpy as np

from nlp.classifiers import load_model
from nlp.training import genre_weights, parallel_groups, train_model


def test_train_model_writes_card_with_cv(repo_dir, tmp_path):
    out = tmp_path / "lex"
    model = train_model("lexicon", [repo_dir / "corpora" / "local" / "local_news.jsonl"], out, cv=3)
    cfg = json.loads((out / "config.json").read_text())
    cv = cfg["training"]["cv"]
    assert cv["k"] == 3 and cv["n_docs"] == 500
    assert 0 < cv["macro_f1"] <= 1
    assert set(cv["by_lang"]) == {"zh", "en"}
    # coder columns present → human ceiling with a kappa per label
    assert all(cv["human"][lid]["kappa"] is not None for lid in cfg["labels"])
    assert len(cfg["training"]["data"]["files"][0]["sha256"]) == 64
    card = (out / "README.md").read_text()
    assert "Human ceiling" in card and "Cross-validated results (3-fold" in card
    assert np.array_equal(load_model(out).predict(["测试"]), model.predict(["测试"]))


def test_genre_weights_balance():
    w, table = genre_weights(["a"] * 9 + ["b"], power=1.0)
    assert abs(w.mean() - 1) < 1e-9
    assert abs(w[:9].sum() - w[9]) < 1e-9          # power 1: each genre has equal total weight
    w0, _ = genre_weights(["a"] * 9 + ["b"], power=0.0)
    assert np.allclose(w0, 1.0)


def test_parallel_groups_keep_same_day_versions_together():
    class D:
        def __init__(self, source, date):
            self.source, self.date, self.id = source, date, "x"
    g = parallel_groups([D("mfa", "2020-02-03"), D("mfa", "2020-02-03"), D("mfa", "2020-02-04")])
    assert g[0] == g[1] != g[2]


def test_train_replaces_a_model_folder_whole_and_refuses_other_folders(repo_dir, tmp_path):
    import pytest

    samples = [repo_dir / "corpora" / "samples" / "samples.jsonl"]
    out = tmp_path / "m"
    train_model("linear", samples, out, settings={"min_df": 1, "cv": 3})
    train_model("lexicon", samples, out)  # replaces the linear folder: no stale linear files
    assert json.loads((out / "config.json").read_text())["family"] == "lexicon"
    assert not (out / "linear.safetensors").exists() and not (out / "dict").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no work folders left behind
    stale = tmp_path / ".m.training-999999999"  # left by a training killed with SIGTERM / -9
    stale.mkdir()
    train_model("lexicon", samples, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    other = tmp_path / "notes"
    other.mkdir()
    (other / "x.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not a Silkframe model folder"):
        train_model("lexicon", samples, other)
    assert (other / "x.txt").read_text() == "keep me"
    with pytest.raises(ValueError, match="has no setting 'device'"):
        train_model("linear", samples, tmp_path / "n", settings={"device": "cpu"})


def test_train_with_own_codebook_measures_startup_with_it(repo_dir, tmp_path):
    cb_file = tmp_path / "mine.yaml"
    text = (repo_dir / "corpora" / "codebook.yaml").read_text(encoding="utf-8")
    cb_file.write_text(text.replace("name: pandemic-diplomacy-silk-road", "name: my-scheme", 1), encoding="utf-8")
    from nlp.codebook import load_codebook

    cb = load_codebook(cb_file)
    assert cb.name == "my-scheme"
    out = tmp_path / "mine"
    train_model("lexicon", [repo_dir / "corpora" / "samples" / "samples.jsonl"], out, codebook=cb)
    perf = json.loads((out / "config.json").read_text())["training"]["performance"]
    assert perf["predict_startup_seconds"] > 0 and "--codebook" in perf["startup_command"]
