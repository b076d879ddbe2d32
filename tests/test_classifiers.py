"""The one classifier contract, run against every family, plus model-folder safety checks."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from nlp.classifiers import ModelError, get_family, load_model
from nlp.corpus import Document

ZH = [
    ("中方向友好城市罗兹捐赠了口罩和防护服等医疗物资。", ["covid", "generosity", "health_silk_road"]),
    ("一些国家对中国公民采取旅行限制，这是过度反应，世卫组织不建议实施旅行限制。", ["covid", "anti_overreaction"]),
    ("我们坚决反对将病毒污名化，病毒没有国籍。", ["covid", "anti_stigmatization"]),
    ("中国采取了公开透明、负责任的防控措施，为世界争取了宝贵时间。", ["covid", "effective_response"]),
    ("双方签署5G和智慧城市合作协议，推进数字经济合作。", ["digital_silk_road"]),
    ("两市举办文化交流活动，庆祝缔结友好城市关系二十周年。", []),
    ("中方援助的疫苗运抵，双方将加强抗疫合作。", ["covid", "generosity", "health_silk_road"]),
    ("外交部发言人介绍了下周的外事活动安排。", []),
]
EN = [
    ("Chengdu donated masks and medical supplies to its sister city Lodz.", ["covid", "generosity", "health_silk_road"]),
    ("Travel bans against Chinese citizens are an overreaction; the WHO advises against travel restrictions.", ["covid", "anti_overreaction"]),
    ("We oppose attempts to stigmatize China by calling it the Chinese virus.", ["covid", "anti_stigmatization"]),
    ("China's open, transparent and responsible measures bought time for the world.", ["covid", "effective_response"]),
    ("The two cities signed an agreement on 5G, smart city and e-commerce cooperation.", ["digital_silk_road"]),
    ("The city hosted a cultural festival marking the anniversary of the sister-city ties.", []),
    ("China delivered vaccine aid and the two sides will deepen anti-epidemic cooperation.", ["covid", "generosity", "health_silk_road"]),
    ("The spokesperson announced next week's diplomatic schedule.", []),
]


def _data(codebook, repeat=3):
    docs, labels = [], []
    for r in range(repeat):
        for i, (t, lab) in enumerate(ZH + EN):
            docs.append(Document(id=f"d{r}_{i}", text=t, lang="zh" if i < len(ZH) else "en"))
            labels.append(lab)
    return docs, codebook.to_matrix(labels)


FAST_SETTINGS = {
    "lexicon": {},
    "linear": {"cv": 3, "min_df": 1, "max_features": 5000},
}


@pytest.fixture(scope="module", params=sorted(FAST_SETTINGS))
def fitted(request, codebook, tmp_path_factory):
    fam = request.param
    docs, Y = _data(codebook)
    model = get_family(fam)(codebook=codebook, **FAST_SETTINGS[fam]).fit(docs, Y)
    folder = tmp_path_factory.mktemp(f"model_{fam}")
    model.save(folder)
    return fam, model, folder, docs, Y


def test_shapes_and_label_order(fitted, codebook):
    fam, model, folder, docs, Y = fitted
    P = model.predict_proba(docs)
    assert P.shape == (len(docs), codebook.n_labels)
    assert np.all((P >= 0) & (P <= 1))
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["labels"] == list(codebook.label_ids)
    assert cfg["family"] == fam
    assert len(cfg["thresholds"]) == codebook.n_labels


def test_empty_and_single(fitted, codebook):
    _, model, _, docs, _ = fitted
    assert model.predict_proba([]).shape == (0, codebook.n_labels)
    assert model.predict([]).shape == (0, codebook.n_labels)
    one = model.predict_proba([docs[0]])
    assert one.shape == (1, codebook.n_labels)
    # a plain string is accepted as a document too
    assert np.allclose(model.predict_proba([docs[0].text]), one)


def test_save_load_identical(fitted):
    _, model, folder, docs, _ = fitted
    again = load_model(folder)
    assert type(again) is type(model)
    np.testing.assert_array_equal(again.predict_proba(docs), model.predict_proba(docs))
    np.testing.assert_array_equal(again.predict(docs), model.predict(docs))
    assert (folder / "README.md").read_text().startswith("# Silkframe model")


def test_learns_training_data(fitted, codebook):
    fam, model, _, docs, Y = fitted
    Yp = model.predict(docs)
    # every family must recover most of these cue-bearing training labels
    assert (Yp == Y).mean() > 0.85


def test_implication_rule(fitted, codebook):
    _, model, _, docs, _ = fitted
    Yp = model.predict(docs)
    story = codebook.storytelling_flag(Yp).astype(bool)
    assert np.all(Yp[story, codebook.index("covid")] == 1)


def test_linear_calibrated_thresholds_in_range(codebook):
    docs, Y = _data(codebook)
    m = get_family("linear")(codebook=codebook, **FAST_SETTINGS["linear"]).fit(docs, Y)
    assert m.thresholds_.shape == (codebook.n_labels,)
    assert np.all((m.thresholds_ > 0) & (m.thresholds_ < 1))
    assert m.oof_proba_.shape == Y.shape


def _copy_with_config(folder, tmp_path, edit):
    """A copy of a model folder whose config.json ``edit(cfg)`` changed."""
    bad = tmp_path / "m"
    shutil.copytree(folder, bad)
    cfg = json.loads((bad / "config.json").read_text())
    edit(cfg)
    (bad / "config.json").write_text(json.dumps(cfg))
    return bad


def test_refuses_missing_config(tmp_path):
    with pytest.raises(ModelError, match="missing config.json"):
        load_model(tmp_path)


def test_refuses_foreign_codebook(fitted, tmp_path):
    def edit(cfg):
        cfg["codebook"]["version"] = "0.9"

    bad = _copy_with_config(fitted[2], tmp_path, edit)
    with pytest.raises(ModelError, match="codebook"):
        load_model(bad)


def test_refuses_other_labels(fitted, tmp_path):
    def edit(cfg):
        cfg["labels"] = cfg["labels"][::-1]

    bad = _copy_with_config(fitted[2], tmp_path, edit)
    with pytest.raises(ModelError, match="do not match"):
        load_model(bad)


def test_refuses_tampered_weights(codebook, tmp_path):
    docs, Y = _data(codebook)
    m = get_family("linear")(codebook=codebook, **FAST_SETTINGS["linear"]).fit(docs, Y)
    m.save(tmp_path / "m")
    (tmp_path / "m" / "linear.safetensors").write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(ModelError):
        load_model(tmp_path / "m")


def test_refuses_unknown_family(tmp_path, fitted):
    def edit(cfg):
        cfg["family"] = "pickle"

    bad = _copy_with_config(fitted[2], tmp_path, edit)
    with pytest.raises(ModelError, match="unknown model family"):
        load_model(bad)


def test_linear_model_has_no_pickle(fitted):
    fam, _, folder, _, _ = fitted
    for f in folder.rglob("*"):
        if f.is_file():
            assert f.suffix in {".json", ".safetensors", ".md", ".yaml", ".txt"}, f


def test_lexicon_needs_no_training(codebook):
    lex = get_family("lexicon")(codebook=codebook)
    P = lex.predict_proba(["我们反对污名化", "The weather is nice."])
    j = codebook.index("anti_stigmatization")
    assert P[0, j] > 0.5 > P[1, j]
    # a negated cue counts less than a plain one
    plain = lex.predict_proba(["这是过度反应。"])[0, codebook.index("anti_overreaction")]
    negated = lex.predict_proba(["这不是过度反应。"])[0, codebook.index("anti_overreaction")]
    assert negated < plain


def test_linear_uses_the_cues_it_was_trained_with(codebook, tmp_path, repo_dir):
    """Editing cue phrases in the codebook in use (same version) must not change a saved model."""
    from nlp.codebook import load_codebook

    docs, Y = _data(codebook)
    model = get_family("linear")(codebook=codebook, **FAST_SETTINGS["linear"]).fit(docs, Y)
    folder = model.save(tmp_path / "m")
    text = (repo_dir / "corpora" / "codebook.yaml").read_text(encoding="utf-8")
    edited = tmp_path / "codebook.yaml"
    edited.write_text(text.replace("污名化, ", "", 1), encoding="utf-8")
    other = load_codebook(edited)
    assert other.cues("anti_stigmatization", "zh") != load_codebook().cues("anti_stigmatization", "zh")
    again = load_model(folder, codebook=other)
    np.testing.assert_array_equal(again.predict_proba(docs), model.predict_proba(docs))


# ---- input checks and folder integrity ------------------------------------------------------------
def test_fit_and_predict_refuse_malformed_input(fitted, codebook):
    fam, model, _, docs, Y = fitted
    fresh = get_family(fam)(codebook=codebook, **FAST_SETTINGS[fam])
    for bad, cell in ((np.full(Y.shape, 0.3), "0.3"), (np.where(Y == 1, 2, 0), "2"), (Y.astype(float) - 1, "-1.0")):
        with pytest.raises(ValueError, match=f"must hold 0/1.*is {cell}"):
            fresh.fit(docs, bad)
    with pytest.raises(ValueError, match="0 documents"):
        fresh.fit([], np.zeros((0, codebook.n_labels)))
    with pytest.raises(TypeError, match="one string"):
        model.predict_proba("中方向意大利捐赠口罩")
    with pytest.raises(TypeError, match="document 1 is a NoneType"):
        model.predict_proba(["ok", None])
    with pytest.raises(TypeError, match="'text' and 'title' must be strings"):
        model.predict_proba([{"title": 5, "text": "x"}])
    assert np.array_equal(fresh.fit(docs, Y.astype(bool)).predict(docs[:3]).shape, (3, codebook.n_labels))


def test_refuses_a_flipped_byte_in_any_saved_file(fitted, tmp_path):
    _, model, folder, docs, _ = fitted
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert set(cfg["sha256"]) == set(cfg["files"])
    for name in cfg["files"]:
        bad = tmp_path / name.replace("/", "_")
        shutil.copytree(folder, bad)
        data = bytearray((bad / name).read_bytes())
        data[len(data) // 2] ^= 1
        (bad / name).write_bytes(bytes(data))
        with pytest.raises(ModelError, match="sha256 mismatch"):
            load_model(bad)
        (bad / name).unlink()
        with pytest.raises(ModelError, match=f"missing {name}"):
            load_model(bad)


def test_refuses_thresholds_of_the_wrong_length(fitted, tmp_path):
    def edit(cfg):
        cfg["thresholds"] = cfg["thresholds"][:3]

    bad = _copy_with_config(fitted[2], tmp_path, edit)
    with pytest.raises(ModelError, match="one number per label"):
        load_model(bad)


def test_lexicon_uses_the_cues_it_was_saved_with(codebook, tmp_path, repo_dir):
    """Same name, version and labels, fewer cues: a saved lexicon model must not change."""
    m = get_family("lexicon")(codebook=codebook)
    m.fit(*_data(codebook))
    m.save(tmp_path / "lex")
    text = (repo_dir / "corpora" / "codebook.yaml").read_text(encoding="utf-8")
    edited = tmp_path / "cb.yaml"
    edited.write_text(text.replace("捐赠", "捐赠捐赠捐赠"), encoding="utf-8")
    docs = ["中方向友好城市捐赠了口罩。"]
    want = load_model(tmp_path / "lex").predict_proba(docs)
    assert np.array_equal(load_model(tmp_path / "lex", codebook=edited).predict_proba(docs), want)
    with pytest.raises(ValueError, match="rate must be > 0"):
        get_family("lexicon")(codebook=codebook, rate=-1).predict_proba(docs)


def test_linear_training_is_reproducible(codebook):
    docs, Y = _data(codebook)
    a, b = (get_family("linear")(codebook=codebook, **FAST_SETTINGS["linear"]).fit(docs, Y) for _ in range(2))
    assert np.array_equal(a.coef_, b.coef_) and np.array_equal(a.calib_, b.calib_)
    assert np.array_equal(a.thresholds_, b.thresholds_)
