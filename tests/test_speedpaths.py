"""The fast paths of tagging give exactly what the simple reference code gives.

* cue matching: the one-pass Aho-Corasick scan vs the per-cue ``str.find`` scan (same
  longest-first, non-overlapping, word-boundary and negation/quote-hedging semantics);
* hedging test: one regex search per window vs one substring test per negation;
* TF-IDF features: integer-id lookups vs string lookups (identical sparse matrices);
* language id: the ASCII shortcut vs the script-ratio rules;
* output records: vectorised record building vs the record-by-record formulation.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp import cues as cues_mod
from nlp.cues import CueMatcher
from nlp.features import TfidfFeaturizer
from nlp.text import _ALPHA_RE, _HAN_RE, _LATIN_RE, _count, detect_lang

ahocorasick = pytest.importorskip("ahocorasick", reason="the fast cue path needs pyahocorasick")

# cues that overlap, nest and share prefixes/suffixes, Latin ones needing word boundaries
TOY_CUES = {
    0: {"zh": ("病毒", "中国病毒", "毒株", "新冠病毒"), "en": ("who", "who said", "virus", "china virus")},
    1: {"zh": ("援助", "医疗援助", "疗援"), "en": ("aid", "medical aid", "said")},
    2: {"zh": ("数字", "数字丝绸之路", "丝绸之路"), "en": ("5g", "5g network", "network")},
}
TOY_COUNTER = {1: {"zh": ("援助",), "en": ("aid",)}, 2: {"en": ("network", "5g")}}


def _toy_codebook(codebook):
    labels = []
    for j, lab in enumerate(codebook.labels):
        cues = MappingProxyType(dict(TOY_CUES.get(j, {})))
        counter = MappingProxyType(dict(TOY_COUNTER.get(j, {})))
        labels.append(dataclasses.replace(lab, cues=cues, counter_cues=counter))
    return dataclasses.replace(codebook, labels=tuple(labels))


def _same(cm: CueMatcher, texts: list[str]) -> None:
    fast = cm.all_counts(texts)
    ref = cm.all_counts(texts, reference=True)
    for a, b in zip(fast, ref):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(cm.counts(texts)[0], ref[0])
    np.testing.assert_array_equal(cm.counter_counts(texts), ref[2])
    for t in texts:
        assert cm.matches(t) == cm.matches(t, reference=True)


TOY_PIECES = ["病毒", "中国病毒", "新冠病毒株", "医疗援助", "援助", "数字丝绸之路", "丝绸之路", "who said", "whole", "Who",
              "virus", "China virus", "medical aid", "aided", "said", "5G network", "5g", "networks", "不", "没有", "并非",
              "not ", "never ", "n't ", "“", "”", "\"", "'", " ", "，", "。", "a", "x", "1", "_", "é", "İ", "😀", "\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(TOY_PIECES), max_size=25).map("".join), min_size=1, max_size=4))
def test_fast_cues_equal_reference_on_overlapping_toy_cues(codebook, texts):
    _same(CueMatcher(_toy_codebook(codebook)), texts)


def test_fast_cues_exact_values(codebook):
    cm = CueMatcher(_toy_codebook(codebook))
    plain, hedged, counter = cm.all_counts(["新冠病毒和中国病毒", "Whole who said: not medical aid", "“数字丝绸之路”，5G network"])
    # longest first: 新冠病毒 and 中国病毒 win over 病毒; "who said" over "who"/"said"; "whole" is no "who"
    assert plain[0].tolist()[:3] == [2, 0, 0] and hedged[0].sum() == 0
    assert plain[1].tolist()[:3] == [1, 0, 0] and hedged[1].tolist()[:3] == [0, 1, 0]  # "not " hedges medical aid
    assert hedged[2].tolist()[:3] == [0, 0, 1] and plain[2].tolist()[:3] == [0, 0, 1]  # quoted 数字丝绸之路; 5g network
    assert counter[1].tolist()[:3] == [0, 1, 0] and counter[2].tolist()[:3] == [0, 0, 2]  # aid; network + 5g


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.sampled_from(list("疫情防控病毒援助口罩疫苗数字华为不没有是并非无未“”\"' ,.-abcnotwhvirusaid5g")),
                        max_size=120), min_size=1, max_size=4))
def test_fast_cues_equal_reference_on_codebook_cues(codebook, texts):
    _same(CueMatcher(codebook), texts)


def test_fast_cues_equal_reference_on_cue_soup(codebook):
    """Texts made of the codebook's own cues glued together: many overlaps and nested cues."""
    cm = CueMatcher(codebook)
    phrases = sorted({c for c, *_ in cm._cues} | {c for c, *_ in cm._counter})
    rng = np.random.default_rng(0)
    glue = ["", " ", "不", "“", "not ", "-", "x"]
    texts = ["".join(phrases[k] + glue[k % len(glue)] for k in rng.integers(0, len(phrases), 40)) for _ in range(200)]
    _same(cm, texts)
    assert cm.all_counts(texts)[0].sum() > 1000  # the soup really exercises the matcher


@pytest.mark.shared
def test_fast_cues_equal_reference_on_real_texts(codebook, shared_dir):
    texts = []
    for name, field, n in (("fmprc_press_conferences/qa_pairs.jsonl", "answer", 400),
                           ("diplomat_tweets/china_tweets_test_en.jsonl", "text", 200),
                           ("peoples_daily_commentary/articles.jsonl", "text", 50)):
        with open(shared_dir / "corpora" / name, encoding="utf-8") as f:
            for line, _ in zip(f, range(n)):
                texts.append(json.loads(line).get(field) or "")
    cm = CueMatcher(codebook)
    _same(cm, texts)
    assert cm.all_counts(texts)[0].sum() > 100


@given(st.text(alphabet=st.sampled_from(list("不没有并非是无未 notwhuyx'\"“”abc")), max_size=40), st.integers(0, 45))
def test_hedged_regex_equals_reference(low, s):
    s = min(s, len(low))
    assert cues_mod._hedged(low, s) == cues_mod._hedged_reference(low, s)


# ---- featurizer ----------------------------------------------------------------------------------
def _split_bar(text: str) -> list[str]:
    return [t for t in text.split("|") if t]


def _string_path(fz: TfidfFeaturizer, texts):
    saved = fz._token_index
    fz._token_index = None
    try:
        return fz.transform(texts)
    finally:
        fz._token_index = saved


def _assert_same_csr(a, b):
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)  # bit-identical, not just close


TRAIN = ["a|b|c|a|b", "b|c|d", "a|b|d|d", "中国|援助|口罩", "中国|援助|疫苗|口罩", "c|d|a|b"]


@pytest.mark.parametrize("char_ngrams", [(0, 0), (2, 3)])
@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "中国", "援助", "口罩", "疫苗", "a b", " ", ""]),
                               max_size=12).map("|".join), max_size=5))
def test_featurizer_id_path_equals_string_path(char_ngrams, texts):
    fz = TfidfFeaturizer(_split_bar, char_ngrams=char_ngrams, min_df=1).fit(TRAIN)
    assert fz._token_index is not None
    _assert_same_csr(fz.transform(texts), _string_path(fz, texts))


def test_featurizer_exact_values():
    fz = TfidfFeaturizer(_split_bar, char_ngrams=(0, 0), min_df=2).fit(TRAIN)
    X = fz.transform(["a|b|zz|b|c"]).toarray()[0]
    names = fz.feature_names_
    nz = {names[i]: round(float(v), 4) for i, v in enumerate(X) if v}
    assert set(nz) == {"w:a", "w:b", "w:c", "b:a b", "b:b c"}  # "b zz", "zz b" and "zz" unknown
    assert nz["w:b"] > nz["w:a"]  # tf 2 (sublinear 1 + log 2) beats tf 1 at similar idf


def test_featurizer_falls_back_when_bigrams_hold_spaces():
    """A vocabulary whose bigram features contain extra spaces cannot use token ids."""
    fz = TfidfFeaturizer(_split_bar, char_ngrams=(0, 0), min_df=1).fit(["x y|z", "x y|z|q"])
    assert fz._token_index is None
    X = fz.transform(["x y|z"])
    assert X.nnz == 3  # w:x y, w:z, b:x y z


# ---- language id and records ---------------------------------------------------------------------
def _lang_rules(text: str) -> str:
    if not text:
        return "other"
    han, latin = _count(_HAN_RE, text), _count(_LATIN_RE, text)
    letters = han + latin
    if letters == 0 or 2 * letters < _count(_ALPHA_RE, text):
        return "other"
    share = han / letters
    return "zh" if share >= 0.7 else "en" if share <= 0.2 else "mixed"


@given(st.text(max_size=30) | st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_detect_lang_shortcut_equals_rules(text):
    assert detect_lang(text) == _lang_rules(text)


def test_make_records_equals_record_by_record(codebook):
    from nlp.corpus import Document
    from nlp.predict import make_records

    rng = np.random.default_rng(1)
    P = rng.random((6, codebook.n_labels)).astype(np.float32)
    Y = (P > 0.5).astype(int)
    docs = [Document(id=f"d{i}", text=t, date="2020-01-0%d" % (i + 1), meta={"source": "s"})
            for i, t in enumerate(["中方援助", "WHO aid", "", "123", "混合 mixed text 中文", "Привет"])]
    got = make_records(docs, P, Y, codebook, model_name="m", keep=("date", "source"))
    cats, story = codebook.silk_road_category(Y), codebook.storytelling_flag(Y)
    for i, (d, r) in enumerate(zip(docs, got)):
        want = {"id": d.id, "date": d.date, "source": "s", "lang": detect_lang(d.text), "labels": codebook.to_labels(Y[i]),
                "silk_road": str(cats[i]), "storytelling": bool(story[i]),
                "probs": {lid: round(float(p), 4) for lid, p in zip(codebook.label_ids, P[i])}, "model": "m"}
        assert json.dumps(r) == json.dumps(want)


# ---- one fused scan for cue counts and cue context -------------------------------------------------
def _fused_same(codebook, texts: list[str]) -> list[np.ndarray]:
    from nlp.cue_context import CueContext

    cm, cc = CueMatcher(codebook), CueContext(codebook)
    got = cues_mod.cue_features(cm, cc, texts)
    want = [*cm.all_counts(texts, reference=True), *cc.counts(texts, reference=True)]
    assert len(got) == 5
    for g, w in zip(got, want):
        assert g.dtype == w.dtype == np.float32 and g.shape == w.shape
        assert np.array_equal(g, w)
    return got


CONTEXT_PIECES = ["5G", "cooperation", "sanctions", "华为", "合作", "制裁", "。", ". ", "\n", "x", " ", "vaccine", "aid",
                  "疫苗", "援助", "cooperative", "5Gs", "不", "not ", "“", "病毒", "中国病毒", "WHO", "whole", "口罩"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(CONTEXT_PIECES), max_size=30).map("".join), min_size=1, max_size=4))
def test_fused_cue_features_equal_separate_references(codebook, texts):
    _fused_same(codebook, texts)


def test_fused_cue_features_exact_values(codebook):
    texts = ["The two cities signed a 5G cooperation agreement. Huawei is a company.",
             "The US sanctions on Huawei are a crackdown on 5G.", "", "The weather is fine."]
    plain, hedged, counter, framed, disputed = _fused_same(codebook, texts)
    dsr = codebook.index("digital_silk_road")
    assert framed[:, dsr].tolist() == [1, 0, 0, 0]
    assert disputed[:, dsr].tolist() == [0, 1, 0, 0]
    assert plain[2].sum() == hedged[2].sum() == counter[2].sum() == 0
    assert plain[0, dsr] >= 1


def test_fused_cue_features_without_context_or_packages(codebook, monkeypatch):
    from nlp.cue_context import CueContext

    texts = ["中方向世卫组织提供援助，不是“中国病毒”。", "5G cooperation. Sanctions on Huawei 5G."]
    cm = CueMatcher(codebook)
    three = cues_mod.cue_features(cm, None, texts)
    assert len(three) == 3 and all(np.array_equal(a, b) for a, b in zip(three, cm.all_counts(texts, reference=True)))
    want = [*cm.all_counts(texts, reference=True), *CueContext(codebook).counts(texts, reference=True)]
    # only the Rust package: the fused scan needs no pyahocorasick automaton
    monkeypatch.setitem(sys.modules, "ahocorasick", None)
    cm2, cc2 = CueMatcher(codebook), CueContext(codebook)
    assert cues_mod._fused_automaton(cm2, cc2) is not None and cm2._automaton is None
    assert all(np.array_equal(a, b) for a, b in zip(cues_mod.cue_features(cm2, cc2, texts), want))
    # neither package: no fast path, the separate reference passes are used
    monkeypatch.setitem(sys.modules, "ahocorasick_rs", None)
    cm3, cc3 = CueMatcher(codebook), CueContext(codebook)
    assert cues_mod._fused_automaton(cm3, cc3) is None
    assert all(np.array_equal(a, b) for a, b in zip(cues_mod.cue_features(cm3, cc3, texts), want))


@pytest.mark.shared
def test_fused_cue_features_equal_references_on_real_texts(codebook, shared_dir):
    path = shared_dir / "corpora" / "fmprc_press_conferences" / "qa_pairs.jsonl"
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line).get("answer") or "")
            if len(texts) >= 400:
                break
    got = _fused_same(codebook, texts)
    assert got[0].sum() > 100 and got[3].sum() > 0


# ---- orjson reading and writing -----------------------------------------------------------------------
orjson = pytest.importorskip("orjson", reason="the fast JSON paths need orjson")


@pytest.mark.parametrize("line", [
    '{"id": 1, "text": "中方 \\u00e9 \\ud83d\\ude00", "x": 0.1, "y": 1e-05, "z": [1, {"a": null}]}',
    '{"id": "a", "n": 123456789012345678901234}',          # beyond 64 bits: orjson would give a float
    '{"id": "a", "n": [1, {"m": -99999999999999999999}]}',
    '{"id": "a", "n": 1e300, "m": 18446744073709551615}',
    '{"id": "a", "v": NaN, "w": Infinity}',                 # json accepts these, orjson does not
    '{"a": 1, "a": 2}', '[1, 2]', '"text"', '12345678901234567890123', ' {"a": 1} \r\n',
])
def test_jsonl_loads_equals_json(line):
    from nlp.readers import _loads

    assert repr(_loads(line)) == repr(json.loads(line.rstrip("\r\n")))


def test_jsonl_loads_rejects_lone_surrogates():
    """A lone surrogate escape cannot become valid text: an error (record), not a crash later on."""
    from nlp.readers import _loads

    with pytest.raises(ValueError, match="lone surrogate"):
        _loads('{"id": "\\ud800"}')
    assert _loads('{"t": "\\ud83d\\ude00"}') == {"t": "\U0001F600"}


@pytest.mark.parametrize("line", ['{"id": "bad", "text": ', '{"a": 1} x', '[1,]', '{"a": "\x01"}'])
def test_jsonl_loads_errors_equal_json(line):
    from nlp.readers import _loads

    with pytest.raises(json.JSONDecodeError) as got:
        _loads(line)
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(line)
    assert type(got.value) is json.JSONDecodeError and str(got.value) == str(want.value)


def test_prob_floats_print_alike_in_orjson_and_json():
    for k in range(10001):
        v = round(k / 10000, 4)
        assert orjson.dumps(v) == json.dumps(v).encode()


@pytest.mark.parametrize("keep_value", ["中文 \n\t\"\\ \x00\x1f\u2028 😀", None, True, 7, -(2 ** 63), 2 ** 63, 2 ** 70, 0.1, 1e-05,
                                        1e16, float("nan"), [1, "a"], {"k": 0.5}, ("t",)])
def test_record_bytes_equal_json_dumps(keep_value):
    from nlp.tagging import _dumps, _record_bytes

    probs = {"a": 0.0001, "b": 1.0, "c": 0.0, "d": 0.1235, "e": 0.5}
    rec = {"id": "d1", "x": keep_value, "lang": "zh", "labels": ["a"], "silk_road": "none", "storytelling": False,
           "probs": probs, "model": "m"}
    assert _record_bytes([rec], ("x",), True) == [_dumps(rec).encode("utf-8")]
    assert _record_bytes([rec], ("x",), False) == [_dumps(rec).encode("utf-8")]


MIXED_CUES = {
    0: {"zh": ("5g网络", "网络", "病毒"), "en": ("5g", "k virus", "virus")},
    5: {"zh": ("中 a", "援助"), "en": ("a", "aid", "i̇d")},  # "İd".lower() is "i̇d": lower() changes the length
}


def _mixed_codebook(codebook):
    labels = []
    for j, lab in enumerate(codebook.labels):
        labels.append(dataclasses.replace(lab, cues=MappingProxyType(dict(MIXED_CUES.get(j, {}))),
                                          counter_cues=MappingProxyType({"en": ("virus",)} if j == 5 else {})))
    return dataclasses.replace(codebook, labels=tuple(labels))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(["5G", "网络", "5g网络", "\u212a virus", "K", "İd", "İ", "a", " ", "中", "援助", "aid",
                                          "virus", "。", "合作", "cooperation", "x"]), max_size=25).map("".join),
                min_size=1, max_size=4))
def test_fused_cue_features_mixed_script_phrases(codebook, texts):
    """Phrases mixing ASCII and Han go to the non-ASCII automaton; ASCII ones are searched in ASCII runs only."""
    _fused_same(_mixed_codebook(codebook), texts)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(0, 2 ** 40), max_size=300), st.lists(st.integers(0, 2 ** 40), max_size=200))
def test_key_table_equals_dict(keys, queries):
    from nlp.features import _KeyTable

    keys = sorted(keys)
    vals = {k: i * 7 for i, k in enumerate(keys)}
    table = _KeyTable(np.array(keys, dtype=np.int64), np.array([vals[k] for k in keys], dtype=np.int64))
    q = queries + keys[:50]
    got = table.lookup(np.array(q, dtype=np.int64))
    assert got.tolist() == [vals.get(k, -1) for k in q]
    assert len(table) == len(keys)


def test_key_table_collisions():
    from nlp.features import _KeyTable

    keys = np.arange(0, 5000 * 1024, 1024, dtype=np.int64)  # many keys, regular spacing
    table = _KeyTable(keys, keys // 1024)
    got = table.lookup(np.concatenate([keys, keys + 1]))
    assert got[:5000].tolist() == list(range(5000)) and (got[5000:] == -1).all()


def test_record_bytes_with_odd_ids_and_probs():
    from nlp.tagging import _dumps, _record_bytes

    recs = [{"id": i, "lang": "en", "labels": [], "silk_road": "none", "storytelling": False, "probs": p, "model": "m"}
            for i, p in [(2 ** 70, {"a": 0.5}), ("x", {"a": float("nan")}), ("y", {"a": -0.0}), ("z", {"a": 1e-05})]]
    assert _record_bytes(recs, (), True) == [_dumps(r).encode("utf-8") for r in recs]


# ---- round 3: raw-token ids, the Rust scanner, numpy rounding, UTF-8 bytes to orjson ---------------
RAW_TEXTS = ["中方向世卫组织提供援助，反对污名化。", "The U.S. travel ban is an overreaction; WHO said so.",
             "健康丝绸之路 (Health Silk Road) 与 5G 合作！", "援助、援助、援助。\r\n中国 援助", "", "。。！", "𠀀\U0002fa1e㐀 x"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(RAW_TEXTS + ["援助", "中国", "aid", "，", " ", "ban", "\n"]), max_size=8)
                .map("".join), max_size=6))
def test_featurizer_raw_token_path_equals_tokenize_path(texts):
    """The fused path (raw tokens, punctuation dropped through the id lookup) gives the matrix of
    the plain path (tokenize, then look up)."""
    from nlp.tokenizer import BilingualTokenizer

    tok = BilingualTokenizer()
    fz = TfidfFeaturizer(tok, char_ngrams=(0, 0), min_df=1).fit(RAW_TEXTS)
    plain = TfidfFeaturizer(lambda t: tok(t), char_ngrams=(0, 0), min_df=1).fit(RAW_TEXTS)  # no raw_tokens
    assert fz.vocabulary_ == plain.vocabulary_
    _assert_same_csr(fz.transform(texts), plain.transform(texts))
    assert "_raw_ids" in fz.__dict__ and "_raw_ids" not in plain.__dict__


def test_scanner_fallback_equals_rust(codebook, monkeypatch):
    """pyahocorasick (fallback) and ahocorasick_rs report the same phrase occurrences."""
    import sys

    pytest.importorskip("ahocorasick_rs")
    payloads = {c: (i,) for i, c in enumerate(sorted({"病毒", "中国病毒", "毒株", "who", "who said", "aid", "5g", "5g network",
                                                      "援助", "医疗援助", "疗援", "a", "é", "😀"}))}
    texts = [("".join(p)) for p in (TOY_PIECES, TOY_PIECES[::-1], TOY_PIECES[::3] * 3)] + ["", "who said aid", "中国病毒株"]
    scan_rs, pay_rs = cues_mod._scanner(payloads)
    monkeypatch.setitem(sys.modules, "ahocorasick_rs", None)  # import now fails: the fallback is built
    scan_py, pay_py = cues_mod._scanner(payloads)
    assert scan_rs is not scan_py and pay_rs == pay_py
    for t in texts:
        low = t.lower()
        got = sorted(scan_py(low))
        assert got == sorted(scan_rs(low))
        for k, s, e in got:  # and they are real occurrences
            assert low[s:e] == list(payloads)[k]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 20000).map(lambda k: k / 2e4),
                          st.integers(0, 10 ** 6).map(lambda k: (k + 0.5) / 1e4)), min_size=1, max_size=30))
def test_round4_equals_python_round(values):
    from nlp.predict import round4

    got = round4(np.array(values)).tolist()
    for g, v in zip(got, values):
        want = round(v, 4)
        assert (g != g and want != want) or (g == want and np.copysign(1, g) == np.copysign(1, want))


def test_jsonl_bytes_path_equals_str_path(tmp_path, monkeypatch):
    """UTF-8 lines parsed by orjson straight from bytes give the records and error records of the
    decode-then-parse path, line for line."""
    from nlp import readers
    from nlp.corpus import iter_records

    lines = [b'\xef\xbb\xbf{"id": "bom", "text": "first line with a BOM"}', b'{"id": "a", "text": "\xe4\xb8\xad\xe5\x9b\xbd"}\r',
             b"", b"   ", b'{"id": "huge", "text": "x", "n": 123456789012345678901234}', b'{"id": "nan", "text": "x", "v": NaN}',
             b'{"id": "sur", "text": "\\ud800"}', b'{"id": "pair", "text": "\\ud83d\\ude00"}', b'{"id": "bad", "text": "\xff"}',
             b'[1, 2]', b'{"id": "cut", "text": ', b'{"id": "a", "text": "duplicate"}', b'{"id": 5, "text": "int id"}',
             b'{"id": "e", "text": ""}', b'{"id": "nul", "text": "a\\u0000b"}']
    p = tmp_path / "in.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")

    def run():
        return [repr(r) for r in iter_records([str(p)])]

    fast = run()
    monkeypatch.setattr(readers, "_orjson", None)
    assert fast == run()
    assert len(fast) == 13  # every non-blank line: a record or an error record
