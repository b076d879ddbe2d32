"""nlp.tokenizer: pinned segmentations, engine agreement, dictionaries, stopwords, config, pickling."""
from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.tokenizer import (DEFAULT_FREQ, BilingualTokenizer, DictEntry, default_user_dicts,
                           dropped_token, read_dictionary, read_stopwords, tokenize_files)


@pytest.fixture(scope="module")
def tok():
    return BilingualTokenizer()


@pytest.fixture(scope="module")
def tok_jieba():
    return BilingualTokenizer(engine="jieba")


PINNED = [
    ("中方愿同各国一道，共建健康丝绸之路，构建人类卫生健康共同体。",
     ["中方", "愿同", "各国", "一道", "共建", "健康丝绸之路", "构建", "人类卫生健康共同体"]),
    ("我们坚决反对将病毒污名化、政治化，WHO也不建议采取旅行限制。",
     ["我们", "坚决反对", "将", "病毒", "污名化", "政治化", "who", "也", "不", "建议", "采取", "旅行限制"]),
    ("华为愿参与5G建设和智慧城市、数字丝绸之路合作。",
     ["华为", "愿", "参与", "5g", "建设", "和", "智慧城市", "数字丝绸之路", "合作"]),
    ("成都市外办通过视频连线向罗兹、甲府友城分享抗疫经验，并捐赠防护服和呼吸机。",
     ["成都市", "外办", "通过", "视频连线", "向", "罗兹", "甲府", "友城", "分享抗疫经验", "并", "捐赠",
      "防护服", "和", "呼吸机"]),
    ("COVID-19疫情期间，U.S.官员称“中国病毒”，这是甩锅。",
     ["covid-19", "疫情", "期间", "u.s.", "官员", "称", "中国病毒", "这是", "甩锅"]),
    ("外交部发言人赵立坚主持例行记者会。", ["外交部发言人", "赵立坚", "主持", "例行记者会"]),
    ("The U.S. and China's 5G cooperation, e.g. in 2020 (3.5%).",
     ["the", "u.s.", "and", "china's", "5g", "cooperation", "e.g.", "in", "2020", "3.5"]),
]

EXTRA = ["İstanbul café naïve ㄅ あいう 한국어 ①②", "C-40军用运输机0-24时www.brfmc.org查询",
         "中国.美国-日本_韩国%+#&", "ª º ꙮ ª中ª", "", "   \n\t", "㐀㐁人民鿠鿡好𠀀𠀁的"]


@pytest.mark.parametrize("text, expected", PINNED)
def test_pinned_segmentations(tok, text, expected):
    assert tok.tokenize(text) == expected
    assert tok(text) == expected


@pytest.mark.parametrize("text", [t for t, _ in PINNED] + EXTRA)
def test_engines_agree_on_sentences(tok, tok_jieba, text):
    assert tok(text) == tok_jieba(text)


@pytest.mark.shared
def test_engines_agree_on_real_press_answers(shared_dir, tok, tok_jieba):
    path = shared_dir / "corpora" / "fmprc_press_conferences" / "qa_pairs.jsonl"
    lines = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("lang") == "zh" and rec.get("answer"):
                lines.append(rec["answer"])
            if len(lines) == 200:
                break
    assert len(lines) == 200
    differing = [t[:60] for t in lines if tok(t) != tok_jieba(t)]
    assert differing == []


def test_non_han_words_and_punctuation(tok):
    assert tok("İstanbul café naïve ㄅ あいう 한국어 ①②") == [
        "i̇stanbul", "café", "naïve", "ㄅ", "あいう", "한국어", "①", "②"]
    # a literal placeholder character in the input stays in place
    assert tok("ª º ꙮ ª中ª") == ["ª", "º", "ꙮ", "ª", "中", "ª"]
    assert tok("，。！？、；：“”（）《》——…… ,.;:!?()[]") == []
    assert tok("") == []
    assert BilingualTokenizer(lowercase=False)("WHO说COVID-19") == ["WHO", "说", "COVID-19"]


def test_every_codebook_zh_cue_is_one_token(tok, codebook):
    """Cues that are domain words stay whole (longer cues are phrases, matched as substrings)."""
    words = {e.word for p in default_user_dicts() for e in read_dictionary(p)}
    split = {}
    for lab in codebook.label_ids:
        for cue in codebook.cues(lab, "zh"):
            if cue not in words:
                continue
            got = tok(cue)
            if got != [cue.lower()]:
                split[cue] = got
    assert split == {}
    zh_cues = [c for lab in codebook.label_ids for c in codebook.cues(lab, "zh")]
    assert sum(c in words for c in zh_cues) >= 0.7 * len(zh_cues)


def test_bundled_dictionaries_are_well_formed():
    paths = default_user_dicts()
    assert [p.name for p in paths] == ["diplomacy.txt", "pandemic.txt", "places.txt", "technology.txt"]
    for p in paths:
        first = p.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Silkframe domain dictionary")
        entries = read_dictionary(p)
        assert len(entries) >= 50
        assert all(e.freq > 0 and e.tag in {"nz", "ns"} for e in entries)
    places = {e.word for e in read_dictionary(paths[2])}
    assert {"成都", "四川", "广州", "广东", "罗兹", "奥克兰", "洛杉矶", "甲府"} <= places


def test_dictionary_pitfalls(tmp_path):
    p = tmp_path / "d.txt"
    p.write_bytes("\ufeff# comment line\r\n\r\n健康码 500 n\r\n  \r\n无频率词\r\n带标签词 nz\r\n健康码 700\r\n".encode("utf-8"))
    assert read_dictionary(p) == [
        DictEntry("无频率词", DEFAULT_FREQ, ""), DictEntry("带标签词", DEFAULT_FREQ, "nz"), DictEntry("健康码", 700, "")]
    bad = tmp_path / "bad.txt"
    bad.write_text("好词 -5 n\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:1: frequency must be a positive integer"):
        read_dictionary(bad)
    bad.write_text("a 1 n extra\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:1: expected 'word \[freq\] \[tag\]'"):
        read_dictionary(bad)
    bad.write_bytes("词 1\n".encode("gbk"))
    with pytest.raises(ValueError, match="not UTF-8"):
        read_dictionary(bad)


def test_user_dictionary_changes_segmentation(tmp_path):
    p = tmp_path / "u.txt"
    p.write_bytes("\ufeff# test\r\n丝绸健康\r\n".encode("utf-8"))
    plain = BilingualTokenizer(user_dicts=[])
    custom = BilingualTokenizer(user_dicts=[p])
    assert plain("共建健康丝绸之路") == ["共建", "健康", "丝绸之路"]
    assert custom("丝绸健康") == ["丝绸健康"]
    assert plain("丝绸健康") == ["丝绸", "健康"]
    assert BilingualTokenizer(user_dicts=[p], engine="jieba")("丝绸健康") == ["丝绸健康"]


def test_stopwords(tmp_path):
    text = "我们坚决反对将病毒污名化。The virus has no nationality."
    default = BilingualTokenizer(stopwords="default")
    assert default(text) == ["坚决反对", "病毒", "污名化", "virus", "nationality"]
    p = tmp_path / "sw.txt"
    p.write_text("\ufeff# mine\r\n病毒\r\nVIRUS\r\n", encoding="utf-8")
    assert read_stopwords(p) == ["病毒", "VIRUS"]
    assert BilingualTokenizer(stopwords=p)(text) == [
        "我们", "坚决反对", "将", "污名化", "the", "has", "no", "nationality"]
    assert BilingualTokenizer(stopwords=["将", "the"])(text)[:3] == ["我们", "坚决反对", "病毒"]


def test_pickle_round_trip(tok):
    tok("预热")
    data = pickle.dumps(tok)
    assert b"cut" not in data  # the built segmenter is not pickled
    again = pickle.loads(data)
    assert again.get_params() == tok.get_params()
    text = PINNED[0][0]
    assert again(text) == tok(text)


def test_config_round_trip_and_hash_check(tmp_path):
    p = tmp_path / "u.txt"
    p.write_text("丝绸健康 100\n", encoding="utf-8")
    tok = BilingualTokenizer(engine="jieba", user_dicts=[p], stopwords="default", hmm=False)
    cfg = tok.config()
    assert cfg["engine"] == "jieba" and cfg["hmm"] is False and cfg["stopwords"] == "default"
    assert cfg["user_dicts"] == [str(p)] and len(cfg["dict_sha256"]) == 64 and cfg["n_dict_entries"] == 1
    back = BilingualTokenizer.from_config(json.loads(json.dumps(cfg)))
    assert back.config() == cfg
    p.write_text("丝绸健康 200\n", encoding="utf-8")
    with pytest.raises(ValueError, match="dict_sha256 mismatch"):
        BilingualTokenizer.from_config(cfg)
    default_cfg = BilingualTokenizer().config()
    assert default_cfg["user_dicts"] == ["diplomacy.txt", "pandemic.txt", "places.txt", "technology.txt"]
    # BOM/CRLF/comments do not change the hash: it covers parsed entries
    q = tmp_path / "v.txt"
    q.write_bytes(b"\xef\xbb\xbf# c\r\n\xe4\xb8\x9d\xe7\xbb\xb8\xe5\x81\xa5\xe5\xba\xb7 200\r\n")
    assert BilingualTokenizer(user_dicts=[q]).config()["dict_sha256"] == BilingualTokenizer(user_dicts=[p]).config()["dict_sha256"]


def test_settings_stored_as_given_and_bad_engine():
    t = BilingualTokenizer(engine="nope", user_dicts=("a.txt",), stopwords=None)
    assert t.engine == "nope" and t.user_dicts == ("a.txt",)  # no work in __init__
    with pytest.raises(ValueError, match="unknown engine 'nope'"):
        t.tokenize("x")


def test_tokenize_files(tmp_path, tok):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": "a", "text": "共建健康丝绸之路"}\n{"text": "ＵＳ and China"}\nnot json\n', encoding="utf-8")
    out = list(tokenize_files([str(p)], tokenizer=tok))
    assert out[0] == {"id": "a", "lang": "zh", "tokens": ["共建", "健康丝绸之路"]}
    assert out[1] == {"id": "in.jsonl:2", "lang": "en", "tokens": ["us", "and", "china"]}
    assert out[2]["error"].line == 3


def test_tokenize_command(tmp_path):
    from typer.testing import CliRunner

    from nlp.cli import app

    p = tmp_path / "in.txt"
    p.write_text("反对污名化\nCOVID-19 travel ban\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["tokenize", str(p), "--input-format", "txt"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["in.txt:1\tzh\t反对 污名化", "in.txt:2\ten\tcovid-19 travel ban"]
    res = CliRunner().invoke(app, ["tokenize", str(p), "--input-format", "txt", "--format", "jsonl"])
    assert json.loads(res.stdout.splitlines()[0]) == {"id": "in.txt:1", "lang": "zh", "tokens": ["反对", "污名化"]}


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tokenize_never_crashes_and_engines_agree(text):
    a = BilingualTokenizer()(text)
    assert all(t and not t.isspace() for t in a)
    assert a == BilingualTokenizer(engine="jieba")(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=126), max_size=60))
def test_ascii_fast_path_matches_segmenter_path(tok, text):
    # an all-ASCII text skips the segmenter; a trailing Chinese full stop forces the general path
    assert tok(text) == tok(text + "。")
    assert tok(text) == tok("。" + text)


RAW_PIECES = ["中国", "援助", "COVID-19", "U.S.", "don't", "5G", "。", "，", "“", "”", " ", "\n", "\r\n", "\t", "-", ".",
              "%", "_", "#", "&", "+", "é", "Привет", "😀", "\u3000", "\u0301", "ا", "ไทย", "한국", "𠀀", "㐀", "\U0002fa1e", "\U0001d400", "x", "1"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(RAW_PIECES), max_size=25).map("".join)))
def test_raw_tokens_minus_punctuation_equal_tokenize(tok, text):
    """The featurizer's fused path relies on this: raw_tokens minus the tokens dropped_token
    names is exactly tokenize, with both engines."""
    raw = tok.raw_tokens(text)
    assert [t for t in raw if not dropped_token(t)] == tok(text)
    assert [t for t in BilingualTokenizer(engine="jieba").raw_tokens(text) if not dropped_token(t)] == tok(text)


def test_raw_tokens_keep_the_dropped_tokens(tok):
    assert tok.raw_tokens("中国，援助。COVID-19 & U.S.") == ["中国", "，", "援助", "。", "covid-19", "&", "u.s."]
    assert tok("中国，援助。COVID-19 & U.S.") == ["中国", "援助", "covid-19", "u.s."]
    assert not tok.has_stopwords and BilingualTokenizer(stopwords=["中国"]).has_stopwords


@pytest.mark.parametrize("bad", ["-5", "3.5", "1e3", "+7"])
def test_dictionary_number_like_second_column_is_a_bad_frequency(tmp_path, bad):
    p = tmp_path / "d.txt"
    p.write_text(f"疫苗 {bad}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="frequency must be a positive integer"):
        read_dictionary(p)
