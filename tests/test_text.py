"""nlp.text: HTML extraction, normalisation (NFKC, t2s, idempotency) and script-ratio language id."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.text import detect_lang, html_to_text, normalize

PAGE = """<!DOCTYPE html><html><head><title>页面标题</title><style>p {color: red}</style>
<script>var tracking = "drop me";</script></head>
<body><header>网站首页 | English</header><nav><a href="/">首页</a> &gt; 外事动态</nav>
<h1>成都市向罗兹市捐赠防护物资</h1>
<div class="content"><p>4月3日，成都市政府向友城罗兹捐赠口罩&amp;防护服。</p>
<p>罗兹市长表示感谢。<br>双方将加强抗疫合作。</p>
<ul><li>口罩 10000 只</li><li>防护服 500 套</li></ul></div>
<aside>相关新闻</aside><form><input name="q"> 搜索</form><footer>版权所有 &copy; 2020</footer>
</body></html>"""


def test_html_to_text_drops_chrome_and_keeps_paragraphs():
    assert html_to_text(PAGE) == (
        "成都市向罗兹市捐赠防护物资\n\n"
        "4月3日，成都市政府向友城罗兹捐赠口罩&防护服。\n\n"
        "罗兹市长表示感谢。\n双方将加强抗疫合作。\n\n"
        "口罩 10000 只\n防护服 500 套"
    )


def test_html_to_text_fragments_entities_and_tables():
    assert html_to_text("plain &lt;b&gt; text") == "plain <b> text"
    assert html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>") == "a b\nc"
    assert html_to_text("<p>line one\n   continued</p><p></p><p>two&nbsp;&nbsp;x</p>") == "line one continued\n\ntwo x"
    assert html_to_text("") == ""


def test_normalize_folds_full_width_and_removes_invisibles():
    assert normalize("ＣＯＶＩＤ－１９　疫情") == "COVID-19 疫情"
    assert normalize("中\u200b国\ufeff\u200d人民\u00ad") == "中国人民"
    assert normalize("a\x00b\x07c\x1bd") == "abcd"
    assert normalize("ﬁ ①") == "fi 1"


def test_normalize_whitespace_and_newlines():
    assert normalize("  a \t\t b  \r\n\r\n\r\n\r\nc\rd\u2028e  ") == "a b\n\nc\nd\ne"
    assert normalize("\n\n  \n") == ""
    assert normalize("一\n  \n二") == "一\n\n二"


def test_normalize_t2s():
    assert normalize("「新冠肺炎疫情」", t2s=True) == "「新冠肺炎疫情」"
    assert normalize("新冠肺炎疫情對經濟的衝擊", t2s=True) == "新冠肺炎疫情对经济的冲击"
    assert normalize("衛生健康共同體", t2s=True) == "卫生健康共同体"
    assert normalize("衛生", t2s=False) == "衛生"


def test_normalize_rejects_non_str():
    with pytest.raises(TypeError, match="expects str"):
        normalize(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize("text, lang", [
    ("中方坚决反对将病毒污名化，呼吁国际社会加强合作。", "zh"),
    ("世卫组织（WHO）总干事谭德塞表示，中方措施有效。", "zh"),
    ("China firmly opposes the stigmatization of the virus.", "en"),
    ("La cooperación entre China y España es fructífera.", "en"),  # any Latin script is 'en'
    ("The term 人类卫生健康共同体 was coined in 2020 by the Chinese leadership.", "en"),
    ("健康丝绸之路 Health Silk Road 共建", "mixed"),
    ("新冠 COVID", "mixed"),
    ("2020-03-05 12:00", "other"),
    ("", "other"),
    ("!!! ？？？", "other"),
    ("Россия и Китай", "other"),
])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_functions_never_crash(text):
    assert detect_lang(text) in {"zh", "en", "mixed", "other"}
    assert isinstance(html_to_text(text), str)
    assert "\r" not in normalize(text)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="新冠肺炎疫情對經濟衝擊衛生「」 \n，。abc"))
def test_normalize_t2s_idempotent_on_cjk(text):
    once = normalize(text, t2s=True)
    assert normalize(once, t2s=True) == once


NORM_ALPHABET = (" \n\t\r\x0b\x0c\x85\u2028\u3000\xa0\u200b\ufeff\u00ad" "ab中，：？（）；！％ＡＣ１－\u0301\u3002“”ﬁ①㍿Ⅱ")


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=NORM_ALPHABET, max_size=30)))
def test_fast_normalize_equals_reference_steps(text):
    """The fast path of normalize (skip a step a C-level check shows to be a no-op; fold common
    full-width punctuation before NFKC) gives exactly the plain steps' result."""
    from nlp.text import _normalize_reference

    assert normalize(text) == _normalize_reference(text)
