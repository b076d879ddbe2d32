"""Text clean-up shared by every reader and model: HTML to text, Unicode normalisation, language id.

Official texts arrive as HTML pages, as copy-pasted Word text with full-width Latin letters and
zero-width characters, and sometimes in Traditional characters (Hong Kong, Taiwan and overseas
sources). Everything downstream (tokenizer, cue matching, models) assumes the canonical form that
:func:`normalize` produces, so the same sentence always yields the same tokens.

All functions are pure and cheap; only the optional OpenCC converter is built (once, lazily).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

__all__ = ["html_to_text", "normalize", "detect_lang", "LANGS", "HAN_RANGES"]

#: Values :func:`detect_lang` can return.
LANGS = ("zh", "en", "mixed", "other")

#: Unicode blocks counted as Han (CJK unified ideographs, extension A-F, compatibility ideographs).
HAN_RANGES = ("\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
              "\U00020000-\U0002ebef\U0002f800-\U0002fa1f\U00030000-\U0003134f")

# ---------------------------------------------------------------------------------------------
# normalize
# ---------------------------------------------------------------------------------------------
_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ZERO_WIDTH = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
               "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
               "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f"
               "\u3164\ufeff\uffa0")


def _build_translation() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)):  # C0 and C1 controls
        table[cp] = None
    table[ord("\t")] = " "
    table[ord("\n")] = "\n"
    for ch in _LINE_BREAKS:
        table[ord(ch)] = "\n"
    for ch in _ZERO_WIDTH:
        table[ord(ch)] = None
    return table


_TRANSLATE = _build_translation()
# any character the translation changes (all but "\n" → "\n")
_TRANSLATED = re.compile("[" + "".join(re.escape(chr(c)) for c, v in sorted(_TRANSLATE.items()) if v != chr(c)) + "]")
# full-width punctuation common in Chinese text and its NFKC image (its NFKD decomposition)
_WIDE_PUNCT = tuple((w, unicodedata.normalize("NFKC", w)) for w in "，：？（）；！％")
# whitespace _clean_whitespace would change: another space character (or two spaces, a space
# beside a newline, three newlines, a leading or trailing one: substring tests, below)
_OTHER_SPACE = re.compile(r"[^\S \n]")


# either kind of character: one scan tells whether a text has none of both (the usual case)
_ODD_CHAR = re.compile(_TRANSLATED.pattern[:-1] + "".join(  # \s is str.isspace; none above U+3000
    re.escape(chr(c)) for c in range(0x3001) if chr(c).isspace() and chr(c) not in " \n") + "]")


def _needs_space_cleanup(text: str, other_spaces: bool = True) -> bool:
    """Would :func:`_clean_whitespace` change ``text``? (substring tests, and one character class
    unless ``other_spaces`` is False: the caller knows the text has no other space character)"""
    return (text[:1] in (" ", "\n") or text[-1:] in (" ", "\n") or "  " in text or " \n" in text
            or "\n " in text or "\n\n\n" in text or (other_spaces and _OTHER_SPACE.search(text) is not None))


_CRLF = re.compile(r"\r\n")
_SPACES = re.compile(r"[^\S\n]+")          # any whitespace except newline
_EDGE_SPACES = re.compile(r" *\n *")       # spaces around a newline
_BLANKS = re.compile(r"\n{3,}")


def _clean_whitespace(text: str) -> str:
    """Collapse space runs to one space, strip every line, keep at most one blank line in a row."""
    text = _SPACES.sub(" ", text)
    text = _EDGE_SPACES.sub("\n", text)
    text = _BLANKS.sub("\n\n", text)
    return text.strip(" \n")


@lru_cache(maxsize=1)
def _t2s_converter():
    try:
        import opencc  # opencc-python-reimplemented
    except ImportError as e:  # pragma: no cover - dependency declared in setup.cfg
        raise ImportError("normalize(t2s=True) needs OpenCC: pip install opencc-python-reimplemented") from e
    return opencc.OpenCC("t2s")


def normalize(text: str, *, t2s: bool = False) -> str:
    """Canonical form of a text: the one every tokenizer, cue matcher and model sees.

    Steps, in this order (chosen so that the function is idempotent,
    ``normalize(normalize(x)) == normalize(x)`` for any string):

    1. ``\\r\\n``, ``\\r`` and the other Unicode line breaks (VT, FF, NEL, U+2028/9) become ``\\n``;
       tabs become spaces; C0/C1 control characters and zero-width / bidi format characters
       (ZWSP, ZWJ, ZWNJ, BOM, soft hyphen, LRM/RLM, ...) are removed.
    2. Unicode NFKC, which folds full-width ASCII (``ＣＯＶＩＤ－１９`` → ``COVID-19``), the
       ideographic space, ligatures and compatibility forms.
    3. Runs of spaces collapse to one space, every line is stripped, three or more newlines
       collapse to one blank line, and the text is stripped.
    4. Optional Traditional → Simplified Chinese (OpenCC ``t2s``; the converter is built once).

    Parameters
    ----------
    text : str
        Any text.
    t2s : bool, default False
        Convert Traditional Chinese characters and phrases to Simplified.

    Returns
    -------
    str

    Examples
    --------
    >>> normalize("ＣＯＶＩＤ－１９\\u200b  疫情\\r\\n\\r\\n\\r\\n\\r\\n结束")
    'COVID-19 疫情\\n\\n结束'
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str, got {type(text).__name__}")
    # The steps of _normalize_reference, each skipped when a fast C-level check shows it would
    # change nothing (~10x faster on typical Chinese text; tests/test_text.py checks equality).
    if "\r\n" in text:
        text = _CRLF.sub("\n", text)
    # NFKC turns no character into a space other than " " (checked for every code point) and the
    # translation gives only " " and "\n", so a text without odd characters never gets any
    odd = _ODD_CHAR.search(text) is not None
    if odd and _TRANSLATED.search(text):
        text = text.translate(_TRANSLATE)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        # the common full-width punctuation of Chinese text, replaced by its NFKC image first
        # (same NFKD, hence same NFKC), often leaves nothing else to normalise
        for wide, narrow in _WIDE_PUNCT:
            if wide in text:
                text = text.replace(wide, narrow)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        # NFKC never produces controls or format characters from other characters, but a second
        # translate is cheap insurance for idempotency.
        if _TRANSLATED.search(text):
            text = text.translate(_TRANSLATE)
    if _needs_space_cleanup(text, other_spaces=odd):
        text = _clean_whitespace(text)
    if t2s and text:
        text = _t2s_converter().convert(text)
    return text


def _normalize_reference(text: str) -> str:
    """:func:`normalize` (without ``t2s``) as plain steps: the definition the fast path must equal."""
    if "\r\n" in text:
        text = _CRLF.sub("\n", text)
    text = text.translate(_TRANSLATE)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TRANSLATE)
    return _clean_whitespace(text)


# ---------------------------------------------------------------------------------------------
# html_to_text
# ---------------------------------------------------------------------------------------------
_SKIP_TAGS = frozenset({"script", "style", "nav", "header", "footer", "aside", "form", "head",
                        "noscript", "template", "svg", "iframe", "object", "button", "select"})
_PARA_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
                        "ul", "ol", "dl", "section", "article", "main", "figure", "hr"})
_LINE_TAGS = frozenset({"br", "div", "li", "tr", "dt", "dd", "caption", "figcaption", "address",
                        "center", "body", "html"})
_CELL_TAGS = frozenset({"td", "th"})
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed",
                        "param", "source", "track", "wbr"})
_HTML_SPACE = re.compile(r"\s+")
# Break markers: a run of them (with spaces between) becomes one line break, or one blank line
# when any of them is a paragraph break, so "</li><li>" is a single newline.
_LINE_MARK, _PARA_MARK = "\x00", "\x01"
_NO_MARKS = {0: None, 1: None}
_MARK_RUN = re.compile(r"[\x00\x01](?:[ \x00\x01]*[\x00\x01])?")


def _marks_to_breaks(m: re.Match) -> str:
    return "\n\n" if _PARA_MARK in m.group() else "\n"


class _TextExtractor(HTMLParser):
    """Collects visible text, turning block elements into line and paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def _brk(self, tag: str) -> None:
        if tag in _PARA_TAGS:
            self.parts.append(_PARA_MARK)
        elif tag in _LINE_TAGS:
            self.parts.append(_LINE_MARK)
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_starttag(self, tag, attrs):  # noqa: D102 - HTMLParser hook
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif not self.skip_depth:
            self._brk(tag)

    def handle_startendtag(self, tag, attrs):  # noqa: D102 - <br/>
        if not self.skip_depth and tag not in _SKIP_TAGS:
            self._brk(tag)

    def handle_endtag(self, tag):  # noqa: D102
        if tag in _SKIP_TAGS:
            if self.skip_depth:
                self.skip_depth -= 1
        elif not self.skip_depth and tag not in _VOID_TAGS:
            self._brk(tag)

    def handle_data(self, data):  # noqa: D102
        if not self.skip_depth:
            self.parts.append(_HTML_SPACE.sub(" ", data.translate(_NO_MARKS)))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, with paragraph and line breaks kept.

    Drops ``script``, ``style``, ``nav``, ``header``, ``footer``, ``aside``, ``form`` (and
    ``head``, ``noscript``, ``template``, ``svg``, ``iframe``), because on ministry and city
    government pages they hold menus, breadcrumbs and share buttons, not the release. Paragraph
    elements (``p``, ``h1``-``h6``, ``blockquote``, ``table``, lists) are separated by a blank
    line; ``br``, ``div``, ``li`` and ``tr`` end a line; table cells are separated by a space.
    Entities are unescaped. Uses the standard-library parser (no bs4 needed, and faster).

    The result has its whitespace cleaned (as in :func:`normalize` step 3) but is not NFKC
    normalised; call :func:`normalize` on it for that.

    Parameters
    ----------
    html : str
        An HTML document or fragment.

    Returns
    -------
    str

    Examples
    --------
    >>> html_to_text("<nav>Home</nav><p>One &amp; two</p><p>Three<br>four</p>")
    'One & two\\n\\nThree\\nfour'
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return _clean_whitespace(_MARK_RUN.sub(_marks_to_breaks, "".join(parser.parts)))


# ---------------------------------------------------------------------------------------------
# detect_lang
# ---------------------------------------------------------------------------------------------
_HAN_RE = re.compile(f"[{HAN_RANGES}]+")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\uff21-\uff3a\uff41-\uff5a]+")
_ALPHA_RE = re.compile(r"[^\W\d_]+")

#: Han share of (Han + Latin) letters at or above which a text is Chinese.
ZH_MIN_SHARE = 0.7
#: Han share at or below which a text with Latin letters is English (Latin script).
EN_MAX_SHARE = 0.2


def _count(rx: re.Pattern, text: str) -> int:
    return len(text) - len(rx.sub("", text))


def detect_lang(text: str) -> str:
    """Language of a text by script ratio: ``'zh'``, ``'en'``, ``'mixed'`` or ``'other'``.

    Counts Han characters and Latin letters (C-level regex substitution, no per-character
    Python loop). With ``h = han / (han + latin)``:

    * no Han and no Latin letters (empty, digits, punctuation), or Han + Latin less than half of
      all letters (Cyrillic, Arabic, kana, Hangul ...) → ``'other'``;
    * ``h >= 0.7`` → ``'zh'`` (a Chinese answer quoting ``WHO`` or a few English names stays zh;
      one Han character stands for a word's worth of letters, hence the asymmetric thresholds);
    * ``h <= 0.2`` → ``'en'``;
    * otherwise ``'mixed'``.

    ``'en'`` means *Latin script*: Spanish, French or pinyin also return ``'en'``; Silkframe's
    English models and tokenizer treat all Latin-script text alike.

    Examples
    --------
    >>> detect_lang("中方坚决反对将病毒污名化。"), detect_lang("China opposes stigmatization.")
    ('zh', 'en')
    """
    if not text:
        return "other"
    if text.isascii():
        # fast path (most English texts): no Han, and every alphabetic ASCII character is a
        # Latin letter, so the rules below reduce to "any letter → en, else other"
        return "en" if _LATIN_RE.search(text) else "other"
    han = _count(_HAN_RE, text)
    latin = _count(_LATIN_RE, text)
    letters = han + latin
    if letters == 0:
        return "other"
    # Han characters are Unicode letters (Lo), so they are part of the alphabetic count. That
    # count is at most len(text), so it need not be taken when Han + Latin fill half the text.
    if 2 * letters < len(text) and 2 * letters < _count(_ALPHA_RE, text):
        return "other"
    share = han / letters
    if share >= ZH_MIN_SHARE:
        return "zh"
    if share <= EN_MAX_SHARE:
        return "en"
    return "mixed"
