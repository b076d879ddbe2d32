"""Transformer and NLI families on tiny local checkpoints (built from configs; nothing downloaded)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from nlp.classifiers import load_model  # noqa: E402
from nlp.classifiers.nli import NLIClassifier, doc_language, nli_label_index  # noqa: E402
from nlp.classifiers.transformer import TransformerClassifier  # noqa: E402
from nlp.tiny_models import build_tiny_model  # noqa: E402
from nlp.classifiers.windows import SpecialTemplate, encode_windows, pool_windows, window_spans  # noqa: E402

CUE = "China donated masks and ventilators to partner countries."
FILLER = ["city", "park", "trade", "forum", "culture", "tourism", "festival", "food", "river", "museum"]


def _filler(rng, n):
    return " ".join(rng.choice(FILLER, n))


def _toy(codebook, n=24, seed=0, varied=False):
    """Short texts; every other one starts with the generosity cue and has that label.

    ``varied``: negatives of 4–46 words, like the windows of a long text, so that a model trained
    on them scores windows of any length sensibly; positives short enough to fit one window (a
    filler-only window of a positive text would be a positive training example too).
    """
    rng = np.random.default_rng(seed)
    docs, labels = [], []
    for i in range(n):
        pos = i % 2 == 1
        if varied:
            docs.append(f"{CUE} {_filler(rng, rng.integers(2, 13))}" if pos else _filler(rng, rng.integers(4, 47)))
        else:
            docs.append(f"{CUE} {_filler(rng, 8)}" if pos else _filler(rng, 14))
        labels.append(["generosity"] if pos else [])
    return docs, codebook.to_matrix(labels)


def _tokenizer():
    """WordPiece trained on fixed text (not on corpora/samples, which may change) → stable tests."""
    from nlp.codebook import load_codebook
    from nlp.tiny_models import _BUILTIN_TEXT, train_wordpiece

    cb = load_codebook()
    texts = _BUILTIN_TEXT.splitlines() + [CUE, " ".join(FILLER)] + [h for lab in cb.labels
                                                                    for h in lab.hypothesis.values()]
    return train_wordpiece(texts, vocab_size=2000)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    tok = _tokenizer()
    cls = build_tiny_model(root / "cls", layers=2, hidden=64, heads=2, tokenizer=tok, seed=1,
                           initializer_range=0.2, dropout=0.0)
    nli = build_tiny_model(root / "nli", nli=True, layers=2, hidden=64, heads=2, tokenizer=tok, seed=2,
                           initializer_range=0.2, dropout=0.0)
    return {"cls": cls, "nli": nli}


def _long_cue_last_window(tokenizer, win_fn, rng):
    """A long text ending with the cue, its filler sized so that only its last window holds the
    cue, right at that window's start (tiny random models learn the cue position-bound)."""
    cue_ids = tokenizer(CUE, add_special_tokens=False)["input_ids"]
    for n_fill in range(100, 140):
        fill = _filler(rng, n_fill)
        text = f"{fill} {CUE} city park"
        ids = win_fn(text)
        if len(ids) > 3 and ids[-1][1:1 + len(cue_ids)] == cue_ids:
            assert all(w[1:1 + len(cue_ids)] != cue_ids for w in ids[:-1])
            return text, f"{fill} {_filler(rng, 12)}"
    pytest.fail("no filler length puts the cue at the start of the last window")


@pytest.fixture(scope="session")
def fitted(tiny, codebook):
    docs, Y = _toy(codebook, varied=True)
    m = TransformerClassifier(codebook=codebook, base_model=str(tiny["cls"]), max_length=48, stride=8, epochs=6,
                              batch_size=8, lr=3e-3, warmup_ratio=0.0, seed=0, device="cpu", val_fraction=0.25,
                              early_stopping_patience=None)
    return m.fit(docs, Y)


AID_CODEBOOK = """\
name: aid-only
version: "0.1"
labels:
  - id: generosity
    cues: {en: [donated], zh: [捐赠]}
    hypothesis: {en: The text describes China giving aid to other countries., zh: 这段文字描述中国向其他国家提供援助。}
"""


@pytest.fixture(scope="session")
def aid_codebook(tmp_path_factory):
    """A one-label codebook (users may bring their own): the tiny NLI model then only has to learn
    'cue in premise → entailment', which it does in a few epochs."""
    from nlp.codebook import load_codebook

    p = tmp_path_factory.mktemp("cb") / "aid.yaml"
    p.write_text(AID_CODEBOOK, encoding="utf-8")
    return load_codebook(p)


@pytest.fixture(scope="session")
def fitted_nli(tiny, aid_codebook):
    docs, Y = _toy(aid_codebook, n=24, seed=1, varied=True)
    m = NLIClassifier(codebook=aid_codebook, base_model=str(tiny["nli"]), max_length=48, stride=8, epochs=6,
                      batch_size=4, lr=5e-3, warmup_ratio=0.0, seed=0, device="cpu", val_fraction=0.25,
                      early_stopping_patience=None)
    return m.fit(docs, Y)


# ---- windows (pure) ----------------------------------------------------------------------------
def test_window_spans_cover_and_overlap():
    assert window_spans(10, 4, 1) == [(0, 4), (3, 7), (6, 10)]
    assert window_spans(3, 4, 1) == [(0, 3)]
    assert window_spans(0, 4, 1) == [(0, 0)]


def test_pool_windows_max_and_mean():
    s = np.array([[0.1, 0.2], [0.9, 0.4], [0.3, 0.3]])
    d = np.array([0, 0, 2])
    np.testing.assert_allclose(pool_windows(s, d, 3, "max"), [[0.9, 0.4], [0, 0], [0.3, 0.3]])
    np.testing.assert_allclose(pool_windows(s, d, 3, "mean"), [[0.5, 0.3], [0, 0], [0.3, 0.3]])


def test_title_kept_in_every_window(tiny):
    from transformers import AutoTokenizer

    from nlp.corpus import Document

    tok = AutoTokenizer.from_pretrained(tiny["cls"])
    tpl = SpecialTemplate.from_tokenizer(tok)
    doc = Document(id="d1", text=" ".join(["city"] * 50), title="masks")
    win = encode_windows(tok, [doc], max_length=16, stride=4, template=tpl)
    masks = tok("masks", add_special_tokens=False)["input_ids"]
    cls_id, sep_id = tok.cls_token_id, tok.sep_token_id
    assert len(win.ids) == 6  # 50 body tokens, 13 per window (16 - 2 specials - 1 title), step 9
    for ids in win.ids:
        assert len(ids) <= 16
        assert ids[0] == cls_id and ids[-1] == sep_id and ids[1:1 + len(masks)] == masks


# ---- transformer family ------------------------------------------------------------------------
def test_learns_keyword_label(fitted, codebook):
    docs, Y = _toy(codebook, n=20, seed=5, varied=True)
    P = fitted.predict_proba(docs)
    g = codebook.index("generosity")
    assert P[Y[:, g] == 1, g].min() > P[Y[:, g] == 0, g].max()
    tr = fitted.training_
    assert tr["n_docs"] == 24 and tr["n_train_docs"] == 18 and tr["n_val_docs"] == 6
    assert tr["positives"]["generosity"] == 12 and tr["epochs_run"] == 6
    assert fitted.thresholds_.shape == (codebook.n_labels,)


def test_shapes_label_order_empty_single(fitted, codebook):
    L = codebook.n_labels
    assert fitted.predict_proba([]).shape == (0, L)
    assert fitted.predict([]).shape == (0, L)
    p1 = fitted.predict_proba([CUE])
    assert p1.shape == (1, L) and np.all((p1 >= 0) & (p1 <= 1))
    assert [fitted.model_.config.id2label[i] for i in range(L)] == list(codebook.label_ids)
    from nlp.corpus import Document

    P = fitted.predict_proba([Document(id="a", text=CUE), "city park"])
    np.testing.assert_allclose(P[0], p1[0], atol=1e-6)


def test_cue_at_end_of_long_text_found_with_max_pooling(fitted, codebook):
    g = codebook.index("generosity")
    rng = np.random.default_rng(3)
    longs = list(_long_cue_last_window(
        fitted.tokenizer_, lambda t: encode_windows(fitted.tokenizer_, [t], max_length=48, stride=8).ids, rng))
    P = fitted.predict_proba(longs)
    assert P[0, g] > 0.5 > P[1, g]
    mean = TransformerClassifier(**{**fitted.get_params(), "pooling": "mean"})
    mean.model_, mean.tokenizer_, mean.template_, mean.device_ = (fitted.model_, fitted.tokenizer_,
                                                                  fitted.template_, "cpu")
    assert mean.predict_proba(longs)[0, g] < P[0, g]  # the cue is diluted by mean pooling


def test_save_load_identical(fitted, tmp_path, codebook):
    docs, _ = _toy(codebook, n=6, seed=9)
    out = fitted.save(tmp_path / "tm")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["family"] == "transformer" and cfg["labels"] == list(codebook.label_ids)
    assert "hf/model.safetensors" in cfg["files"] and (out / "hf" / "config.json").exists()
    assert cfg["training"]["n_docs"] == 24 and cfg["settings"]["pooling"] == "max"
    m2 = load_model(out)
    assert isinstance(m2, TransformerClassifier)
    np.testing.assert_array_equal(m2.predict_proba(docs), fitted.predict_proba(docs))
    np.testing.assert_array_equal(m2.thresholds_, np.round(fitted.thresholds_, 6))


def test_int8_runs_and_is_close(fitted, codebook):
    docs, _ = _toy(codebook, n=8, seed=4)
    q = TransformerClassifier(**{**fitted.get_params(), "quantize": "int8"})
    q.model_, q.tokenizer_, q.template_, q.device_, q.thresholds_ = (fitted.model_, fitted.tokenizer_,
                                                                      fitted.template_, "cpu", fitted.thresholds_)
    Pq, P = q.predict_proba(docs), fitted.predict_proba(docs)
    assert Pq.shape == P.shape
    assert np.abs(Pq - P).max() < 0.1
    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in q._qmodel_.modules())


def test_deterministic_with_seed(tiny, codebook):
    docs, Y = _toy(codebook, n=8)
    kw = dict(codebook=codebook, base_model=str(tiny["cls"]), max_length=24, stride=4, epochs=1, batch_size=4,
              seed=7, device="cpu", val_fraction=0.0)
    a = TransformerClassifier(**kw).fit(docs, Y).predict_proba(docs)
    b = TransformerClassifier(**kw).fit(docs, Y).predict_proba(docs)
    np.testing.assert_array_equal(a, b)


def test_clear_errors(tiny, codebook, tmp_path):
    with pytest.raises(ValueError, match="base_model=PATH"):
        TransformerClassifier(codebook=codebook).fit(["x"], np.zeros((1, codebook.n_labels)))
    with pytest.raises(FileNotFoundError, match="never downloads"):
        TransformerClassifier(codebook=codebook, base_model=str(tmp_path / "nope")).fit(
            ["x"], np.zeros((1, codebook.n_labels)))
    with pytest.raises(Exception, match="NLI checkpoint"):
        NLIClassifier(codebook=codebook, base_model=str(tiny["cls"]), device="cpu").predict_proba(["x"])


def test_max_length_checked_against_position_limit(tiny, fitted, codebook, tmp_path):
    """Windows longer than the checkpoint's position table crashed at predict time, after a fit that worked."""
    docs, Y = _toy(codebook, n=6)
    with pytest.raises(ValueError, match="max_length to at most 512"):
        TransformerClassifier(codebook=codebook, base_model=str(tiny["cls"]), max_length=1024, epochs=1,
                              device="cpu").fit(docs, Y)
    out = fitted.save(tmp_path / "tm")  # a folder saved before the check: max_length beyond the limit
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg["settings"]["max_length"] = 1024
    (out / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.warns(UserWarning, match="using max_length=512"):
        m = load_model(out)
    assert m.max_length == 512 and m.predict_proba(["疫情防控 " * 600]).shape == (1, codebook.n_labels)


def test_position_limit_roberta_offset_and_tokenizer_cap():
    from types import SimpleNamespace

    from transformers import RobertaConfig, RobertaForSequenceClassification

    from nlp.classifiers.transformer import position_limit

    model = RobertaForSequenceClassification(RobertaConfig(
        vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=1, intermediate_size=8,
        max_position_embeddings=40, pad_token_id=1))
    assert position_limit(model, SimpleNamespace(model_max_length=int(1e30))) == 38  # positions start at pad + 1
    assert position_limit(model, SimpleNamespace(model_max_length=30)) == 30


# ---- NLI family --------------------------------------------------------------------------------
def test_nli_label_index_and_language():
    assert nli_label_index({"ENTAILMENT": 0, "neutral": 1, "contradiction": 2}, "entail") == 0
    assert nli_label_index({"contradiction": 0, "entailment": 2}, "contradict") == 0
    assert doc_language("中国向多个国家捐赠口罩和呼吸机。") == "zh"
    assert doc_language("China donated masks.") == "en"


def test_nli_zero_shot_shapes_and_pairs(tiny, codebook):
    m = NLIClassifier(codebook=codebook, base_model=str(tiny["nli"]), max_length=48, stride=8, device="cpu")
    P = m.predict_proba([CUE, "中国向多个国家捐赠口罩。", ""])
    assert P.shape == (3, codebook.n_labels) and np.all((P > 0) & (P < 1))
    assert m.predict_proba([]).shape == (0, codebook.n_labels)
    np.testing.assert_array_equal(m.thresholds_, np.full(codebook.n_labels, 0.5))
    win, lab = m._pairs(["中国捐赠口罩。", CUE])
    zh_hyp = m.tokenizer_(codebook["generosity"].hypothesis["zh"], add_special_tokens=False)["input_ids"]
    first = win.ids[int(np.flatnonzero((win.doc == 0) & (lab == codebook.index("generosity")))[0])]
    assert first[-len(zh_hyp) - 1:-1] == zh_hyp  # Chinese doc paired with the Chinese hypothesis
    assert sorted(lab[win.doc == 1].tolist()) == list(range(codebook.n_labels))


def test_nli_few_shot_cue_at_end_and_save_load(fitted_nli, aid_codebook, tmp_path):
    g = 0
    docs, Y = _toy(aid_codebook, n=10, seed=8, varied=True)
    P = fitted_nli.predict_proba(docs)
    assert P[Y[:, g] == 1, g].min() > P[Y[:, g] == 0, g].max()
    rng = np.random.default_rng(11)
    longs = list(_long_cue_last_window(fitted_nli.tokenizer_, lambda t: fitted_nli._pairs([t])[0].ids, rng))
    Pl = fitted_nli.predict_proba(longs)
    assert Pl[0, g] > 0.5 > Pl[1, g]
    assert fitted_nli.training_["mode"] == "few-shot" and fitted_nli.training_["n_train_docs"] == 18
    out = fitted_nli.save(tmp_path / "nli")
    with pytest.raises(Exception, match="labels"):
        load_model(out)  # the bundled codebook is not the one the model was trained on
    m2 = load_model(out, codebook=out / "codebook.yaml")
    assert isinstance(m2, NLIClassifier) and m2.family == "nli"
    np.testing.assert_array_equal(m2.predict_proba(docs + longs), fitted_nli.predict_proba(docs + longs))
    assert m2.predict(docs).shape == (10, 1)


def test_nli_int8_close(fitted_nli, aid_codebook):
    docs, _ = _toy(aid_codebook, n=6, seed=2)
    q = NLIClassifier(**{**fitted_nli.get_params(), "quantize": "int8"})
    q._set_model(fitted_nli.model_, fitted_nli.tokenizer_, "cpu", "test")
    assert np.abs(q.predict_proba(docs) - fitted_nli.predict_proba(docs)).max() < 0.1


LONG_EN_CODEBOOK = """\
name: aid-long-en
version: "0.1"
labels:
  - id: generosity
    cues: {en: [donated], zh: [捐赠]}
    hypothesis: {en: The text describes China giving aid to other countries and regions all over the world., zh: 援助}
"""


@pytest.fixture()
def long_en_codebook(tmp_path):
    """One label whose English hypothesis is much longer than its Chinese one."""
    from nlp.codebook import load_codebook

    p = tmp_path / "cb.yaml"
    p.write_text(LONG_EN_CODEBOOK, encoding="utf-8")
    return load_codebook(p)


def test_nli_max_length_leaves_room_for_every_hypothesis(tiny, long_en_codebook, tmp_path, caplog):
    """A max_length with room for the Chinese hypothesis only fitted fine, then failed on the first
    English (or emoji-only) document with 'window of -N body tokens'."""
    cb = long_en_codebook
    kw = dict(codebook=cb, base_model=str(tiny["nli"]), stride=4, epochs=0, device="cpu")
    zh = ["中国向多个国家捐赠口罩。", "市民游览公园。"]
    with pytest.raises(ValueError, match="hypothesis of label 'generosity'; set max_length to at least"):
        NLIClassifier(max_length=24, **kw).fit(zh, cb.to_matrix([["generosity"], []]))
    out = NLIClassifier(max_length=64, **kw).save(tmp_path / "nli")  # a folder saved before the check
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg["settings"]["max_length"] = 24
    (out / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    m = load_model(out, codebook=cb)
    assert "set max_length to at least" in caplog.text
    assert m.predict_proba(zh).shape == (2, 1)
    with pytest.raises(ValueError, match="max_length=24 leaves .* raise max_length"):
        m.predict_proba(["🎉🎉"])


def test_nli_saved_model_keeps_its_hypotheses(tiny, long_en_codebook, tmp_path):
    """Editing a hypothesis in the codebook in use (same version) must not change a saved model."""
    from nlp.codebook import load_codebook

    cb = long_en_codebook
    docs = ["China donated masks to partner countries.", "中国向多个国家捐赠口罩。"]
    out = NLIClassifier(codebook=cb, base_model=str(tiny["nli"]), max_length=64, stride=4, epochs=0,
                        device="cpu").save(tmp_path / "nli")
    edited = tmp_path / "edited.yaml"
    edited.write_text(LONG_EN_CODEBOOK.replace("giving aid to", "selling goods to"), encoding="utf-8")
    cb2 = load_codebook(edited)
    P = load_model(out, codebook=cb).predict_proba(docs)
    fresh = NLIClassifier(codebook=cb2, base_model=str(tiny["nli"]), max_length=64, stride=4, device="cpu")
    assert not np.array_equal(fresh.predict_proba(docs), P)  # the edit matters to a model that uses it
    np.testing.assert_array_equal(load_model(out, codebook=cb2).predict_proba(docs), P)


# ---- import hygiene and CLI --------------------------------------------------------------------
def test_import_does_not_load_torch():
    code = ("import sys, nlp.classifiers.transformer, nlp.classifiers.nli, nlp.classifiers.windows, "
            "nlp.tiny_models, nlp.commands.make_tiny; "
            "print(any(m == 'torch' or m.startswith('transformers') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_make_tiny_model_command(tmp_path):
    from typer.testing import CliRunner

    from nlp.cli import app

    res = CliRunner().invoke(app, ["make-tiny-model", "--out", str(tmp_path / "t"), "--nli", "--hidden", "32",
                                   "--vocab-size", "500"])
    assert res.exit_code == 0, res.output
    cfg = json.loads((tmp_path / "t" / "config.json").read_text())
    assert cfg["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    assert (tmp_path / "t" / "model.safetensors").exists() and (tmp_path / "t" / "tokenizer.json").exists()
