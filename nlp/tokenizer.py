"""One configured tokenizer for Chinese and English: jieba-style segmentation plus an English regex.

Why a class and not ``jieba.lcut``: the segmentation (engine, HMM, user dictionaries, stopwords)
is part of every model, so it must be explicit, saved in the model config (:meth:`config`, with a
hash of the dictionaries) and rebuilt identically in a fresh process (:meth:`from_config`).

How a text is cut (:meth:`BilingualTokenizer.tokenize`):

1. One regex finds every *non-Han word*: Latin words and numbers (``COVID-19``, ``5G``,
   ``U.S.``, ``don't``, ``www.example.org``), but also Cyrillic, kana, Hangul and rare Han
   characters outside jieba's range U+4E00-U+9FD5. Each becomes one token (lower-cased when
   ``lowercase=True``).
2. The text between those words is what the Chinese segmenter sees, one stretch at a time.
   The ASCII symbols that jieba treats as word characters (``. - % + # & _``) are boundaries
   too, so the segmenter only ever sees Han runs, punctuation, whitespace and other scripts'
   characters. A stretch that is pure ASCII is skipped: it can only hold punctuation and
   whitespace. (Cutting the stretches separately gives exactly the tokens of one call on the
   stretches joined by a separator, minus the separator's token.)
3. Punctuation and whitespace tokens are dropped (``str.isalnum`` filter, run in C), the
   words are put in between in order, and stopwords, if any, are removed. An all-ASCII text
   needs no segmenter call at all.

Speed: ``benchmarks/bench_tokenizer.py`` compares with raw ``rjieba.cut`` on Chinese press
releases. Dropping punctuation alone (the filter) costs about 15 % of raw time and the word
regex scan about 6 %, so about 0.8x raw is the ceiling for any wrapper that must do both.

Because the segmenter never sees Latin text, ``rjieba`` and ``jieba`` (which handle Latin runs
differently: ``C-40`` vs ``C``, ``-``, ``40``) give identical output given the same dictionary.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["BilingualTokenizer", "DictEntry", "read_dictionary", "read_stopwords",
           "default_dict_dir", "default_user_dicts", "tokenize_files", "dropped_token", "DEFAULT_FREQ", "ENGINES"]

#: Segmentation engines: ``rjieba`` (Rust, fast, default) and ``jieba`` (pure Python reference).
ENGINES = ("rjieba", "jieba")

#: Frequency given to dictionary entries without a frequency column. Any frequency of 1 or more
#: makes a word of three or more characters beat its split; 2,000 (a common word in jieba's
#: 60-million-count dictionary) also makes two-character words win in ordinary context without
#: absorbing characters from neighbouring frequent words.
DEFAULT_FREQ = 2000

#: Bundled stopword lists (in the dictionary folder; never loaded as user dictionaries).
STOPWORD_FILES = ("stopwords_zh.txt", "stopwords_en.txt")

# Han characters jieba (and jieba-rs) segment: exactly jieba's ``re_han_default`` range.
_SEG_HAN = "\u4e00-\u9fd5"
# Scripts tokenised by regex as whole words (besides ASCII letters and digits): Latin-1 and Latin
# Extended, Greek, Cyrillic, kana, Hangul, full-width alphanumerics, and the Han characters outside
# jieba's range (extension A, U+9FD6-U+9FFF, compatibility ideographs, supplementary planes), which
# jieba and jieba-rs would otherwise treat differently. A short positive character class scans
# about 30 % faster than "any word character but Han"; characters of other scripts (Arabic, Thai,
# Devanagari ...) are emitted one by one by the segmenter.
_WORD_BLOCKS = ("\u00aa-\u024f", "\u0370-\u03ff", "\u0400-\u052f", "\u1e00-\u1fff", "\u3040-\u30ff",
                "\u3400-\u4dbf", "\u9fd6-\u9fff", "\uac00-\ud7a3", "\uf900-\ufaff", "\uff10-\uff5a")


def _word_class() -> str:
    """Regex class body: ASCII alphanumerics plus the word characters of :data:`_WORD_BLOCKS`."""
    is_word = re.compile(r"[^\W_]").match
    spans: list[tuple[int, int]] = []
    for block in _WORD_BLOCKS:
        lo, hi = ord(block[0]), ord(block[-1])
        for cp in range(lo, hi + 1):
            if is_word(chr(cp)):
                if spans and spans[-1][1] == cp - 1:
                    spans[-1] = (spans[-1][0], cp)
                else:
                    spans.append((cp, cp))
    body = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in spans)
    return "0-9A-Za-z" + body + "\U00020000-\U0003134f"


@lru_cache(maxsize=1)
def _word_split() -> re.Pattern:
    """The word regex with one capturing group, for ``split`` (built on first use: ~15 ms).

    A word is a run of word characters, joined by - ' ’ . inside (COVID-19, don't, 3.5,
    www.x.org), plus a final dot after a one-letter segment so acronyms keep theirs (U.S., e.g.).
    The group also matches a single :data:`_BLANK_SYMBOLS` character outside a word: the
    tokenizer treats it as a boundary between the texts given to the segmenter.

    The pattern starts with one plain character class (words and blank symbols; the lookbehind
    then tells a word from a symbol) because sre scans for such a first character in a tight C
    loop, skipping the Han text between words; a pattern starting with a repeat or an
    alternation is instead tried at every position, about twice as slow.
    """
    wc = _word_class()
    w = f"[{wc}]"
    blank = re.escape(_BLANK_SYMBOLS)
    return re.compile(rf"([{wc}{blank}](?:(?<={w}){w}*(?:[-'’.]{w}+)*(?:(?<=\.[^\W\d_{_SEG_HAN}])\.)?)?)")


# ASCII symbols that jieba's block regex treats as word characters. Outside a word each one is a
# boundary between segmenter calls, so it never glues Han runs to each other (jieba and jieba-rs
# differ on some of them) and is never a token.
_BLANK_SYMBOLS = ".-%+#&_"
_BLANK_SET = frozenset(_BLANK_SYMBOLS)
# Tokens kept from the segmenter: those with a letter or digit (punctuation and whitespace go).
_isalnum = str.isalnum


def dropped_token(token: str) -> bool:
    """Is ``token``, from :meth:`BilingualTokenizer.raw_tokens`, one that ``tokenize`` drops?

    True for ``"\\r\\n"`` and for one character that is not alphanumeric, unless it lies in the
    supplementary Han range U+20000-U+3134F that the word regex keeps whole (unassigned code
    points there are not alphanumeric; the segmenter never sees that range).
    """
    return token == "\r\n" or (len(token) == 1 and not token.isalnum() and not ("\U00020000" <= token <= "\U0003134f"))


# ---------------------------------------------------------------------------------------------
# dictionary files
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DictEntry:
    """One user-dictionary word with its frequency and (possibly empty) part-of-speech tag."""

    word: str
    freq: int
    tag: str = ""


def default_dict_dir() -> Path:
    """The bundled dictionary folder, ``corpora/dict`` (see :mod:`nlp.resources`)."""
    from nlp.resources import bundled

    return bundled("dict")


def default_user_dicts() -> list[Path]:
    """All ``*.txt`` domain dictionaries in :func:`default_dict_dir`, sorted, stopword lists excluded."""
    d = default_dict_dir()
    return sorted(p for p in d.glob("*.txt") if not p.name.startswith("stopwords"))


def _read_lines(path: Path) -> Iterable[tuple[int, str]]:
    """(line number, stripped line) of a UTF-8 text file; BOM, CRLF, blanks and # comments skipped."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise FileNotFoundError(f"cannot read dictionary file {path}: {e.strerror}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 (byte {e.start}); save the file as UTF-8") from e
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip().lstrip("\ufeff")
        if line and not line.startswith("#"):
            yield no, line


_NUMBER_LIKE = re.compile(r"[-+.]?\d")


def read_dictionary(path: str | os.PathLike) -> list[DictEntry]:
    """Read a jieba-format user dictionary: ``word [freq] [tag]`` per line.

    Robust to a UTF-8 BOM, CRLF line ends, blank lines, ``#`` comment lines, tabs, and a missing
    frequency column (then :data:`DEFAULT_FREQ` is used; a single non-numeric second column is
    taken as the tag). Later duplicates of a word replace earlier ones, as in jieba.

    Raises
    ------
    ValueError
        For a frequency that is not a positive integer or a line with more than three columns,
        naming the file and line.
    """
    path = Path(path)
    entries: dict[str, DictEntry] = {}
    for no, line in _read_lines(path):
        cols = line.split()
        word, freq, tag = cols[0], DEFAULT_FREQ, ""
        if len(cols) > 3:
            raise ValueError(f"{path}:{no}: expected 'word [freq] [tag]', got {len(cols)} columns: {line!r}")
        if len(cols) >= 2:
            if cols[1].isdigit():
                freq = int(cols[1])
                tag = cols[2] if len(cols) == 3 else ""
            elif len(cols) == 2 and not _NUMBER_LIKE.match(cols[1]):
                tag = cols[1]  # a part-of-speech tag; "-5", "3.5" or "1e3" are bad frequencies
            else:
                raise ValueError(f"{path}:{no}: frequency must be a positive integer, got {cols[1]!r}")
        if freq <= 0:
            raise ValueError(f"{path}:{no}: frequency must be a positive integer, got {freq}")
        entries.pop(word, None)
        entries[word] = DictEntry(word, freq, tag)
    return list(entries.values())


def read_stopwords(path: str | os.PathLike) -> list[str]:
    """One stopword per line (first column); BOM, CRLF, blanks and ``#`` comments skipped."""
    return [line.split()[0] for _, line in _read_lines(Path(path))]


def _entries_sha256(files: Sequence[tuple[str, Sequence[DictEntry]]]) -> str:
    """Hash of the normalised dictionary content (entries, not bytes: BOM/CRLF/comments do not count)."""
    h = hashlib.sha256()
    for _name, entries in files:
        for e in entries:
            h.update(f"{e.word}\t{e.freq}\t{e.tag}\n".encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# segmenters (built once per engine + dictionary content, shared read-only between instances)
# ---------------------------------------------------------------------------------------------
_BUILD_LOCK = threading.Lock()


def _jieba_tmp_dir() -> str:
    d = os.path.join(tempfile.gettempdir(), "silkframe-jieba")
    os.makedirs(d, exist_ok=True)
    return d


@lru_cache(maxsize=8)
def _build_segmenter(engine: str, entries: tuple[DictEntry, ...]):
    """A private segmenter with ``entries`` added; returns ``cut(text, hmm) -> list[str]``."""
    if engine == "rjieba":
        import rjieba

        seg = rjieba.Jieba()  # private instance: rjieba's module-level default is never touched
        for e in entries:
            seg.add_word(e.word, e.freq, e.tag or None)
        return seg.cut
    if engine == "jieba":
        import jieba

        # Private tokenizer; its cache file goes to a temp folder, never the working directory.
        # jieba's own logger is left alone (it reports the dictionary load on stderr).
        seg = jieba.Tokenizer()
        seg.tmp_dir = _jieba_tmp_dir()
        seg.initialize()
        for e in entries:
            old = seg.FREQ.get(e.word, 0)
            seg.add_word(e.word, e.freq, e.tag or None)
            # jieba adds the new frequency to the total without removing the old one; jieba-rs
            # replaces it. Do as jieba-rs does so both engines score paths identically.
            seg.total -= old

        def cut(text: str, hmm: bool = True) -> list[str]:
            return seg.lcut(text, HMM=hmm)

        return cut
    raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


# ---------------------------------------------------------------------------------------------
# the tokenizer
# ---------------------------------------------------------------------------------------------
class BilingualTokenizer:
    """Chinese + English tokenizer with domain dictionaries; a configured, picklable object.

    Parameters
    ----------
    engine : {'rjieba', 'jieba'}, default 'rjieba'
        Chinese segmenter. Both use a private instance and give identical tokens.
    user_dicts : sequence of path, optional
        jieba-format dictionaries (``word [freq] [tag]``). ``None`` = every bundled
        ``corpora/dict/*.txt`` domain dictionary (sorted; stopword lists excluded); ``[]`` = none.
    stopwords : None, 'default', path or iterable of str, optional
        Tokens to drop after tokenisation. ``'default'`` = the bundled ``stopwords_zh.txt`` and
        ``stopwords_en.txt``. Compared after lower-casing.
    lowercase : bool, default True
        Lower-case non-Han tokens.
    hmm : bool, default True
        Let the segmenter find words missing from the dictionaries (jieba's HMM).

    Settings are stored as given; the segmenter is built on first use and shared between
    tokenizers with the same engine and dictionary content. An instance is a callable, so it
    can be a scikit-learn ``analyzer``.

    Examples
    --------
    >>> tok = BilingualTokenizer()
    >>> tok("反对将新冠病毒污名化，共建健康丝绸之路 (Health Silk Road)")
    ['反对', '将', '新冠病毒', '污名化', '共建', '健康丝绸之路', 'health', 'silk', 'road']
    """

    def __init__(self, *, engine: str = "rjieba", user_dicts=None, stopwords=None,
                 lowercase: bool = True, hmm: bool = True) -> None:
        self.engine = engine
        self.user_dicts = user_dicts
        self.stopwords = stopwords
        self.lowercase = lowercase
        self.hmm = hmm

    # ---- scikit-learn style parameters -----------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """Constructor settings (scikit-learn convention)."""
        return {"engine": self.engine, "user_dicts": self.user_dicts, "stopwords": self.stopwords,
                "lowercase": self.lowercase, "hmm": self.hmm}

    def set_params(self, **params) -> "BilingualTokenizer":
        """Change settings; the segmenter is rebuilt on next use."""
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"unknown BilingualTokenizer parameter {k!r}")
            setattr(self, k, v)
        self.__dict__.pop("_state", None)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"BilingualTokenizer({args})"

    # ---- lazy state --------------------------------------------------------------------------
    def _dict_paths(self) -> list[Path]:
        if self.user_dicts is None:
            return default_user_dicts()
        if isinstance(self.user_dicts, (str, os.PathLike)):
            return [Path(self.user_dicts)]
        return [Path(p) for p in self.user_dicts]

    def _stopword_set(self) -> frozenset[str]:
        sw = self.stopwords
        if sw is None:
            return frozenset()
        if isinstance(sw, str) and sw == "default":
            d = default_dict_dir()
            words = [w for name in STOPWORD_FILES for w in read_stopwords(d / name)]
        elif isinstance(sw, (str, os.PathLike)):
            words = read_stopwords(sw)
        else:
            words = list(sw)
        return frozenset(w.lower() if self.lowercase else w for w in words)

    def _load(self) -> dict:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        files = [(p.name, read_dictionary(p)) for p in self._dict_paths()]
        merged: dict[str, DictEntry] = {}
        for _, entries in files:  # a later file's entry for the same word wins
            for e in entries:
                merged.pop(e.word, None)
                merged[e.word] = e
        entries = tuple(merged.values())
        with _BUILD_LOCK:
            cut = _build_segmenter(self.engine, entries)
        return {"cut": cut, "split": _word_split().split, "findall": _word_split().findall, "stopwords": self._stopword_set(), "files": files,
                "dict_sha256": _entries_sha256(files)}

    @property
    def _st(self) -> dict:
        st = self.__dict__.get("_state")
        if st is None:
            st = self.__dict__["_state"] = self._load()
        return st

    def __getstate__(self) -> dict:
        return self.get_params()  # the built segmenter is dropped and rebuilt lazily

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    # ---- tokenisation ------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` in order: Chinese words, lower-cased English words and numbers.

        Whitespace and punctuation (Chinese and ASCII) are dropped. Deterministic.
        """
        st = self.__dict__.get("_state") or self._st
        if text.isascii():
            # Every ASCII character that is not part of a word is punctuation or whitespace, so
            # the words are all the tokens: no segmenter call. Lower-casing ASCII text first
            # keeps every character's class, so the regex finds the same words.
            kept = [w for w in st["findall"](text.lower() if self.lowercase else text) if w not in _BLANK_SET]
        else:
            kept = self._cut(text, st, raw=False)
        sw = st["stopwords"]
        if sw:
            kept = [t for t in kept if t not in sw]
        return kept

    def _cut(self, text: str, st: dict, raw: bool) -> list[str]:
        """Tokens of a non-ASCII text: the segmenter between the word regex's words, in order.
        ``raw``: keep the segmenter's punctuation tokens and the blank symbols (:meth:`raw_tokens`)."""
        cut, hmm = st["cut"], self.hmm
        parts = st["split"](text)  # [segment, word, segment, word, ..., segment]
        if len(parts) == 1:
            toks = cut(text, hmm)
            return toks if raw else list(filter(_isalnum, toks))
        kept: list[str] = []
        extend, append = kept.extend, kept.append
        lower = self.lowercase
        it = iter(parts)
        for seg, word in zip(it, it):  # parts[-1], the last segment, is left out
            # An ASCII segment holds no word characters (the regex took them) and no Han, so
            # every token the segmenter would cut from it is dropped: skip the call.
            if not seg.isascii():
                toks = cut(seg, hmm)
                extend(toks if raw else filter(_isalnum, toks))
            if raw or word not in _BLANK_SET:
                append(word.lower() if lower else word)
        seg = parts[-1]
        if not seg.isascii():
            toks = cut(seg, hmm)
            extend(toks if raw else filter(_isalnum, toks))
        return kept

    __call__ = tokenize

    @property
    def has_stopwords(self) -> bool:
        """Does :meth:`tokenize` remove stopwords?"""
        return bool(self._st["stopwords"])

    def raw_tokens(self, text: str) -> list[str]:
        """:meth:`tokenize` before its last filter: the same tokens in the same order, with the
        segmenter's punctuation and whitespace tokens and the blank symbols still in, and no
        stopword removal. For callers that look every token up anyway (the featurizer): they
        drop the extra tokens through that lookup instead of a second pass here.

        Every extra token is one non-alphanumeric character or ``"\\r\\n"`` (jieba and jieba-rs
        emit non-Han text one character at a time, whitespace as ``\\s`` or ``\\r\\n``), while
        every kept token of one character is alphanumeric or a supplementary-plane Han-range
        character (which only the word regex emits), so
        ``[t for t in raw_tokens(x) if not dropped_token(t)] == tokenize(x)`` for a tokenizer
        without stopwords (``tests/test_tokenizer.py`` checks it with both engines).
        """
        st = self.__dict__.get("_state") or self._st
        if text.isascii():
            return st["findall"](text.lower() if self.lowercase else text)
        return self._cut(text, st, raw=True)

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        """:meth:`tokenize` for each text."""
        return [self.tokenize(t) for t in texts]

    # ---- config ------------------------------------------------------------------------------
    def config(self) -> dict:
        """Plain-JSON description saved with every model: settings plus dictionary hash.

        ``user_dicts`` lists each file by name when it is a bundled dictionary, else by path;
        ``dict_sha256`` hashes their parsed entries, so a model refuses a changed dictionary.
        """
        st = self._st
        bundled = default_dict_dir().resolve()
        names = []
        for p in self._dict_paths():
            rp = p.resolve()
            names.append(rp.name if rp.parent == bundled else str(p))
        sw = self.stopwords
        if sw is not None and not isinstance(sw, (str, os.PathLike)):
            sw = sorted(st["stopwords"])
        elif isinstance(sw, os.PathLike):
            sw = str(sw)
        return {"class": "BilingualTokenizer", "engine": self.engine, "lowercase": self.lowercase,
                "hmm": self.hmm, "stopwords": sw,
                "stopwords_sha256": hashlib.sha256("\n".join(sorted(st["stopwords"])).encode()).hexdigest(),
                "user_dicts": names, "dict_sha256": st["dict_sha256"],
                "n_dict_entries": sum(len(e) for _, e in st["files"])}

    @classmethod
    def from_config(cls, config: dict, *, check_hash: bool = True) -> "BilingualTokenizer":
        """Rebuild a tokenizer from :meth:`config` output.

        Bundled dictionary names resolve to ``corpora/dict``; other entries are paths. With
        ``check_hash`` the dictionaries and stopwords must hash as when the config was written.

        Raises
        ------
        ValueError
            When a dictionary or stopword list changed since the config was written.
        """
        bundled = default_dict_dir()
        paths = []
        for name in config.get("user_dicts", []):
            p = Path(name)
            paths.append(bundled / name if not p.is_absolute() and (bundled / name).exists() and p.name == name else p)
        tok = cls(engine=config.get("engine", "rjieba"), user_dicts=paths,
                  stopwords=config.get("stopwords"), lowercase=config.get("lowercase", True),
                  hmm=config.get("hmm", True))
        if check_hash:
            got = tok.config()
            for key in ("dict_sha256", "stopwords_sha256"):
                if key in config and config[key] != got[key]:
                    raise ValueError(
                        f"tokenizer {key} mismatch: the config was written with different "
                        f"{'dictionaries ' + ', '.join(config.get('user_dicts', [])) if key == 'dict_sha256' else 'stopwords'} "
                        f"(expected {config[key][:12]}..., found {got[key][:12]}...); restore the files "
                        "the model was trained with or retrain it")
        return tok


# ---------------------------------------------------------------------------------------------
# batch use (the ``silkframe tokenize`` command)
# ---------------------------------------------------------------------------------------------
def tokenize_files(paths, *, engine: str = "rjieba", text_field: str = "text", id_field: str = "id",
                   fmt: str | None = None, tokenizer: "BilingualTokenizer | None" = None):
    """Normalise, language-tag and tokenise every document of some inputs, in input order.

    Parameters
    ----------
    paths : path, '-' or list of them
        Anything :func:`nlp.corpus.iter_records` reads (JSONL, CSV, Parquet, text, HTML; ``'-'``
        is stdin, JSON Lines unless ``fmt='txt'``).
    engine, text_field, id_field, fmt :
        Segmenter engine; input field names; input format (``None`` = from the extension).
    tokenizer : BilingualTokenizer, optional
        Use this tokenizer instead of a default one with ``engine``.

    Yields
    ------
    dict
        ``{"id", "lang", "tokens"}`` per document, or ``{"error": ErrorRecord}`` per unusable
        input record (file, line and reason), never dropping one silently.
    """
    from nlp.corpus import Document, iter_records
    from nlp.text import detect_lang, normalize

    tok = tokenizer if tokenizer is not None else BilingualTokenizer(engine=engine)
    for rec in iter_records(paths, fmt=fmt, text_field=text_field, id_field=id_field, dedupe=False):
        if not isinstance(rec, Document):
            yield {"error": rec}
            continue
        text = normalize(rec.text)
        yield {"id": rec.id, "lang": detect_lang(text), "tokens": tok.tokenize(text)}
