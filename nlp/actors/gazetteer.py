"""Bilingual gazetteer: Chinese places, foreign countries and cities, multilateral bodies, sister cities.

Why a gazetteer and not a named-entity model: the codes the seed paper uses (actor, partner
country, sister-city tie, development status, format) are all *lookups* once a place is found,
and official texts name places in a small, stable vocabulary. A transparent table that users can
extend beats an opaque model here, and every match can be explained.

Sources, in priority order (the first source to claim a surface form keeps it):

1. ``corpora/gazetteer/foreign_places.csv`` regions and blockers, ``multilateral.csv``,
   country aliases and partner cities (project-written);
2. ``corpora/gazetteer/chinese_admin.csv`` (34 province-level units, 293 prefecture-level cities,
   a few autonomous prefectures; project-written);
3. the reference country table (``--reference DIR``: ``countries/countries_2020_2021.jsonl``):
   UNTERM Chinese and English names and development status;
4. ``pycountry`` (bundled fallback): ISO3, English names and its ``zh_CN`` translations;
5. built-in demonyms (``_DEMONYMS``: German → DEU), accepted only in attributive use;
6. with a reference dir, ``sister_cities/pairs_all.jsonl`` as a city → country index (Boston → USA,
   Penang → MYS; see :meth:`Gazetteer._load_reference_cities`).

Context rules drop matches that are not places: a country name used for a language (西班牙语,
"in English, French and Spanish") or a currency (US$, 新加坡元), a reference city inside a person's
name or a hyphenated name ("John Bolton", "Baden-Württemberg").

Sister-city registries: the bundled ``sister_cities_seed.csv`` is always loaded; the reference
dir adds ``sister_cities/china_pairs.jsonl`` (Wikipedia-derived) when present; ``registry=`` adds
user CSVs in the documented format (``corpora/gazetteer/README.md``).

Matching is leftmost-longest over the whole text for both scripts: Chinese by a dictionary scan
(every start position, longest candidate first), English by one trie-compiled regular expression
with word boundaries (case-insensitive, plus a case-sensitive one for acronyms such as ``US``,
``UN``, ``WHO``). Longer names win over the names they contain (中国台湾 over 中国, 南部非洲 over
南非, Papua New Guinea over Guinea).
"""
from __future__ import annotations

import csv
import gettext
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from nlp.readers import iter_json_objects

__all__ = ["Place", "Match", "SisterPair", "Gazetteer", "GazetteerError", "default_gazetteer_dir",
           "DEVELOPMENT_SCHEMES", "NON_FOREIGN_ISO3"]

#: ISO3 codes never reported as foreign partners: China and its SARs/Taiwan are actors here.
NON_FOREIGN_ISO3 = frozenset({"CHN", "TWN", "HKG", "MAC"})
#: Development schemes understood by :meth:`Gazetteer.development_status`.
DEVELOPMENT_SCHEMES = ("m49-2020", "wb-income", "wb-income:FY20", "wb-income:FY21",
                       "wb-income:FY22", "wb-income:FY23")

_CASE_SENSITIVE_EN = {"us", "u.s.", "un", "u.n.", "who", "eu", "la", "uk", "u.k.", "rok", "drc",
                      "uae", "bri", "sco", "au"}
_NAME_LIKE_EN = {"jordan", "chad", "georgia"}  # also given names / a US state: see _accept_en
_NATIONAL_ZH = ("中国", "中华人民共和国", "中方", "我国")
_NATIONAL_EN = ("China", "People's Republic of China", "PRC", "Chinese side", "the Chinese government")
_LEVEL_SUFFIX_EN = {"province": ("Province",), "municipality": ("Municipality", "City"),
                    "autonomous_region": ("Autonomous Region",), "sar": ("SAR",),
                    "city": ("City",), "prefecture": ("Prefecture",)}
_WORD = re.compile(r"\w", re.UNICODE)

#: Adjectival (demonym) forms of country names, matched case-sensitively and only in attributive use
#: (see :meth:`Gazetteer._accept_demonym`). Left out on purpose: forms shared by several countries
#: (Congolese, Guinean, Dominican), forms that are not a country (English, Scottish, Arabic, European,
#: African, Asian), the SARs/Taiwan (never partners), and names of Chinese ethnic groups that are
#: mostly used for the group (Kazakh, Uzbek, Kyrgyz, Tajik, Mongolian: "Mongolian medicine" is 蒙医).
_DEMONYMS = {
    "USA": ("American",), "GBR": ("British",), "FRA": ("French",), "DEU": ("German",), "ITA": ("Italian",),
    "ESP": ("Spanish",), "PRT": ("Portuguese",), "NLD": ("Dutch",), "BEL": ("Belgian",), "CHE": ("Swiss",),
    "AUT": ("Austrian",), "SWE": ("Swedish",), "NOR": ("Norwegian",), "DNK": ("Danish",), "FIN": ("Finnish",),
    "ISL": ("Icelandic",), "IRL": ("Irish",), "POL": ("Polish",), "CZE": ("Czech",), "SVK": ("Slovak",),
    "HUN": ("Hungarian",), "ROU": ("Romanian",), "BGR": ("Bulgarian",), "SRB": ("Serbian",), "HRV": ("Croatian",),
    "SVN": ("Slovenian", "Slovene"), "GRC": ("Greek",), "TUR": ("Turkish",), "CYP": ("Cypriot",), "MLT": ("Maltese",),
    "RUS": ("Russian",), "UKR": ("Ukrainian",), "BLR": ("Belarusian",), "LTU": ("Lithuanian",), "LVA": ("Latvian",),
    "EST": ("Estonian",), "GEO": ("Georgian",), "ARM": ("Armenian",), "AZE": ("Azerbaijani",),
    "KAZ": ("Kazakhstani",), "UZB": ("Uzbekistani",), "KGZ": ("Kyrgyzstani",), "TJK": ("Tajikistani",),
    "JPN": ("Japanese",), "KOR": ("Korean", "South Korean"), "PRK": ("North Korean",), "VNM": ("Vietnamese",),
    "THA": ("Thai",), "LAO": ("Laotian",), "KHM": ("Cambodian",), "MMR": ("Burmese",), "MYS": ("Malaysian",),
    "SGP": ("Singaporean",), "IDN": ("Indonesian",), "PHL": ("Filipino", "Philippine"), "BRN": ("Bruneian",),
    "IND": ("Indian",), "PAK": ("Pakistani",), "BGD": ("Bangladeshi",), "LKA": ("Sri Lankan",),
    "NPL": ("Nepalese", "Nepali"), "AFG": ("Afghan",), "IRN": ("Iranian",), "IRQ": ("Iraqi",), "SYR": ("Syrian",),
    "ISR": ("Israeli",), "JOR": ("Jordanian",), "LBN": ("Lebanese",), "SAU": ("Saudi",), "ARE": ("Emirati",),
    "QAT": ("Qatari",), "KWT": ("Kuwaiti",), "OMN": ("Omani",), "YEM": ("Yemeni",), "EGY": ("Egyptian",),
    "LBY": ("Libyan",), "TUN": ("Tunisian",), "DZA": ("Algerian",), "MAR": ("Moroccan",), "ETH": ("Ethiopian",),
    "KEN": ("Kenyan",), "TZA": ("Tanzanian",), "UGA": ("Ugandan",), "RWA": ("Rwandan",), "GHA": ("Ghanaian",),
    "NGA": ("Nigerian",), "NER": ("Nigerien",), "SEN": ("Senegalese",), "CMR": ("Cameroonian",), "ZMB": ("Zambian",),
    "ZWE": ("Zimbabwean",), "AGO": ("Angolan",), "MOZ": ("Mozambican",), "NAM": ("Namibian",), "ZAF": ("South African",),
    "SDN": ("Sudanese",), "SSD": ("South Sudanese",), "SOM": ("Somali",), "MLI": ("Malian",), "CIV": ("Ivorian",),
    "MDG": ("Malagasy",), "CAN": ("Canadian",), "MEX": ("Mexican",), "CUB": ("Cuban",), "BRA": ("Brazilian",),
    "ARG": ("Argentine", "Argentinian"), "CHL": ("Chilean",), "PER": ("Peruvian",), "COL": ("Colombian",),
    "VEN": ("Venezuelan",), "ECU": ("Ecuadorian",), "BOL": ("Bolivian",), "URY": ("Uruguayan",),
    "PRY": ("Paraguayan",), "PAN": ("Panamanian",), "CRI": ("Costa Rican",), "JAM": ("Jamaican",),
    "HTI": ("Haitian",), "AUS": ("Australian",), "NZL": ("New Zealander",), "FJI": ("Fijian",),
    "PNG": ("Papua New Guinean",),
}
#: Demonyms that are also names of peoples living in China (朝鲜族, 俄罗斯族): rejected next to these words.
#: Reference city names that are also ordinary capitalised English words (titles, sentence starts).
_CITY_STOPLIST = frozenset({"Hard", "Ski", "Tours", "Mobile", "Reading", "Bath", "Nice", "Split", "Hope",
                            "Unity", "Liberty", "Independence", "Union", "Friendship", "Progress",
                            "Opportunity", "Enterprise", "Commerce", "Industry", "Energy", "Normal",
                            "Sale", "Deal", "Best", "Wells", "March", "May", "August", "Center", "Centre",
                            "Police", "Federal District", "Capital District", "Capital Region"})
#: Capitalised words that may follow a reference-index city without making it part of a name.
_PLACE_TYPE_WORDS = frozenset({"Prefecture", "Province", "Provincial", "State", "City", "County", "Region",
                               "Regional", "Oblast", "Krai", "District", "Municipality", "Municipal",
                               "Metropolitan", "Mayor", "Governor", "Council", "Government", "Port", "Airport",
                               "Harbour", "Harbor"})
_ETHNIC_DEMONYMS = {"Korean", "Russian"}
_ETHNIC_CONTEXT = {"ethnic", "ethnicity", "nationality", "minority", "minorities", "autonomous", "medicine"}
#: Multi-word English region names that contain a demonym ("Latin American" is not the USA).
_EN_REGION_BLOCKERS = ("Latin American", "North American", "South American", "Central American",
                       "Pan-American", "African American", "African-American", "ethnic Korean", "ethnic Koreans",
                       "ethnic Russian", "ethnic Russians")
#: Language names that are no country's demonym: a list holding one is a list of languages.
_LANGUAGE_ONLY = ("English", "Arabic", "Mandarin", "Cantonese", "Hindi", "Urdu", "Swahili", "Persian", "Farsi",
                  "Hebrew", "Latin", "Esperanto")
#: Words before a demonym that make it a language ("speaking Korean", "translated into French").
_LANGUAGE_BEFORE = re.compile(r"\b(?:speak|speaks|speaking|spoke|spoken|translated\s+into|translate\s+into|"
                              r"fluent\s+in|dubbed\s+into|subtitled\s+in|written\s+in|printed\s+in|"
                              r"published\s+in|available\s+in|read\s+in|captions\s+in|in\s+both|"
                              r"(?:courses?|class(?:es)?|lessons?|training|taught|teaching|instruction|"
                              r"conducted|broadcast|guides?|materials?|versions?)\s+in)\s+$", re.IGNORECASE)
#: Words after a demonym that make it a language ("Spanish-language", "Korean speakers").
_LANGUAGE_NOUNS = {"language", "languages", "speaking", "speaker", "speakers", "speak", "version", "versions",
                   "translation", "translations", "translated", "translator", "translators", "subtitle",
                   "subtitles", "subtitled", "caption", "captions", "interpreter", "interpreters",
                   "interpretation", "text", "texts", "edition", "editions", "dubbed", "lesson", "lessons",
                   "class", "classes", "course", "courses", "teacher", "teachers", "teaching", "literature",
                   "grammar", "vocabulary", "proficiency", "major", "majors", "script", "word", "words",
                   "name", "names", "medium", "letters"}
#: Words after a demonym that show it is not attributive ("in English, Japanese and Korean next week").
_FUNCTION_WORDS = frozenset("""a an the and or nor but so yet if as at by for from in into of off on onto out
over to up upon with within without via per than then that this these those there here which who whom whose
what when where while is are was were be been being am has have had do does did will would shall should can
could may might must not no it its they them their he she his her we our you your i me my next last also too
only just both either neither each every all any some such very more most much many other another one two
three four five six seven eight nine ten first second third during before after since until
among between through about against under above below""".split())
#: Currency words after a country name or demonym ("US$", "US dollars", "Singapore dollars", "Japanese yen").
_CURRENCY_EN = re.compile(r"\s*(?:\$|(?:dollars?|yen|won|rupees?|roubles?|rubles?|pesos?|francs?|pounds?\s+sterling|"
                          r"kron(?:e|er|or|a)|ringgit|baht|rand|reais|lira|liras|dinars?|riyals?|rials?|dirhams?|"
                          r"shillings?|naira|dong|tenge|rupiah|kyat|riel|taka|hryvnia|zloty|forint|euros?)\b)")
#: Chinese currency words after a country name (新加坡元, 瑞士法郎, 印度卢比); 元首/元素/元旦 … are other words.
_CURRENCY_ZH = re.compile(r"(?:元(?![首素旦宵老年帅件气])|币|法郎|卢布|卢比|比索|镑|第纳尔|里亚尔|迪拉姆|兰特|雷亚尔|克朗|林吉特|铢)")
#: Chinese language words after a country name: 西班牙语, 越南语言; 文 only when it cannot start another word
#: (西班牙文版 / 西班牙文和… are the language; 西班牙文化 is culture, still Spain).
_LANGUAGE_ZH = re.compile(r"语|文(?:$|(?=[^\u3400-\u9fff])|(?=[版字和与及或翻本]))")


class GazetteerError(ValueError):
    """A gazetteer or registry file that cannot be used; the message names file, line and field."""


def default_gazetteer_dir() -> Path:
    """The bundled tables, ``corpora/gazetteer`` (see :mod:`nlp.resources`)."""
    from nlp.resources import bundled

    return bundled("gazetteer")


@dataclass(frozen=True)
class Place:
    """One thing the gazetteer can find.

    ``kind`` is ``cn`` (Chinese admin unit), ``national`` (China as a whole), ``country``,
    ``city`` (foreign city or sub-national region), ``region`` (continent-like areas, never a
    partner; also used to block false matches), or ``body`` (multilateral body/forum).
    ``iso3`` is a tuple because one surface can name two countries (日韩).
    """

    id: str
    kind: str
    name_en: str
    name_zh: str = ""
    level: str | None = None
    province: str | None = None
    iso3: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = {"id": self.id, "name": self.name_en, "name_zh": self.name_zh}
        if self.level:
            d["level"] = self.level
        if self.province:
            d["province"] = self.province
        if self.iso3:
            d["iso3"] = list(self.iso3)
        return d


@dataclass(frozen=True)
class Match:
    """A place found in a text: character span, the surface string and the place."""

    start: int
    end: int
    surface: str
    place: Place


@dataclass(frozen=True)
class SisterPair:
    """One registered tie: a Chinese city (or province when ``cn_id`` is a province) and a partner."""

    cn_id: str
    partner_key: str
    partner_name: str
    partner_iso3: str | None
    since: str | None = None
    relation: str | None = None
    source: str | None = None

    def label(self, gaz: "Gazetteer") -> str:
        cn = gaz.places.get(self.cn_id)
        return f"{cn.name_en if cn else self.cn_id}–{self.partner_name}"


def fold(s: str) -> str:
    """Case- and accent-insensitive key: ``'Łódź'`` → ``'lodz'``, ``'Knoxville, Tennessee'`` → ``'knoxville'``."""
    s = unicodedata.normalize("NFKC", s).split(",")[0].strip()
    s = s.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O").replace("đ", "d")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = re.sub(r"^(city of|the)\s+", "", s.casefold())
    s = re.sub(r"\s+(city|市)$", "", s)
    return re.sub(r"[\s\-'’.]+", " ", s).strip()


def _ascii_variant(s: str) -> str:
    t = s.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O")
    return "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))


def _is_cjk(s: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in s)


def _split(cell: str | None) -> list[str]:
    return [v.strip() for v in (cell or "").split(";") if v.strip()]


def _uninvert(name: str) -> str:
    """``'Korea, Republic of'`` → ``'Republic of Korea'``; strips ``(the)`` and leading 'The'."""
    name = re.sub(r"\s*\((the)\)\s*$", "", name).strip()
    if ", " in name:
        head, tail = name.split(", ", 1)
        name = f"{tail} {head}"
    return re.sub(r"^The\s+", "", name).strip()


def _strip_paren(name: str) -> list[str]:
    """UNTERM style ``'玻利维亚（多民族国）'`` / ``'Iran (Islamic Republic of)'`` → short and joined forms."""
    name = unicodedata.normalize("NFKC", name).strip()
    out = [name]
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if m:
        short = m.group(1).strip()
        out.append(short)
        if m.group(2) != "the":
            out.append(f"{short}{m.group(2)}" if _is_cjk(short) else f"{m.group(2)} {short}")
    return [o for o in out if o]


def _trie_regex(words: Iterable[str]) -> str:
    """A regex alternation built as a trie, so one pass finds the longest entry at each position."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        end = node.get("", False)
        alts = []
        for ch in sorted(k for k in node if k):
            alts.append(re.escape(ch) + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end:
            body = "(?:" + body + ")?"
        return body

    return build(trie)


class Gazetteer:
    """Place names in zh and en, ISO3 and development status of countries, sister-city registry.

    Build it with :meth:`load`. Matching: :meth:`find` (all matches, leftmost-longest).
    """

    def __init__(self) -> None:
        self.places: dict[str, Place] = {}
        self._zh: dict[str, str] = {}            # surface → place id
        self._en: dict[str, str] = {}            # casefolded surface → place id
        self._en_cs: dict[str, str] = {}         # case-sensitive surface → place id
        self._zh_maxlen = 1
        self._zh_first: frozenset = frozenset()
        self._en_re: re.Pattern | None = None
        self._en_cs_re: re.Pattern | None = None
        self._demonym_re: re.Pattern | None = None
        self.countries: dict[str, dict] = {}      # iso3 → reference row (empty without reference)
        self.sister_pairs: list[SisterPair] = []
        self._pair_index: dict[tuple[str, str], list[SisterPair]] = {}
        self.sources: list[str] = []
        self._demonyms: set[str] = set()         # case-sensitive demonym surfaces ("German")
        self._ref_cities: set[str] = set()       # place ids from the reference city index

    # ------------------------------------------------------------------------------ loading
    @classmethod
    def load(cls, reference_dir: str | Path | None = None,
             registry: str | Path | Sequence[str | Path] | None = None, *,
             gazetteer_dir: str | Path | None = None, wikipedia_pairs: bool = True) -> "Gazetteer":
        """Load the bundled tables, optionally a reference folder and sister-city registries.

        Parameters
        ----------
        reference_dir : path, optional
            Folder with ``countries/countries_2020_2021.jsonl`` (or the file directly inside it)
            and optionally ``sister_cities/china_pairs.jsonl``. Without it, development status is
            unknown (null) and only the bundled sister-city seed is used.
        registry : path or list of paths, optional
            Sister-city CSVs with columns ``chinese_city, chinese_province, partner_city,
            partner_country_iso3, since`` (see ``corpora/gazetteer/README.md``).
        gazetteer_dir : path, optional
            Replace the bundled ``corpora/gazetteer`` folder.
        wikipedia_pairs : bool
            Read ``sister_cities/china_pairs.jsonl`` from the reference folder when present.
        """
        gaz = cls()
        gdir = Path(gazetteer_dir) if gazetteer_dir else default_gazetteer_dir()
        gaz._load_regions_and_foreign(gdir / "foreign_places.csv", regions_only=True)
        gaz._load_multilateral(gdir / "multilateral.csv")
        gaz._load_regions_and_foreign(gdir / "foreign_places.csv", regions_only=False)
        gaz._load_chinese(gdir / "chinese_admin.csv")
        ref = Path(reference_dir) if reference_dir else None
        if ref is not None:
            gaz._load_reference_countries(ref)
        gaz._load_pycountry()
        gaz._load_demonyms()
        if ref is not None and wikipedia_pairs:
            for cand in (ref / "sister_cities" / "pairs_all.jsonl", ref / "pairs_all.jsonl"):
                if cand.exists():
                    gaz._load_reference_cities(cand)
                    break
        gaz._load_registry_csv(gdir / "sister_cities_seed.csv")
        if ref is not None and wikipedia_pairs:
            for cand in (ref / "sister_cities" / "china_pairs.jsonl", ref / "china_pairs.jsonl"):
                if cand.exists():
                    gaz._load_wikipedia_pairs(cand)
                    break
        regs = [registry] if isinstance(registry, (str, Path)) else list(registry or [])
        for r in regs:
            gaz._load_registry_csv(Path(r))
        gaz._compile()
        return gaz

    def _add_place(self, place: Place) -> Place:
        return self.places.setdefault(place.id, place)

    def _add_surface(self, surface: str, pid: str, *, case_sensitive: bool | None = None) -> None:
        surface = unicodedata.normalize("NFKC", surface).strip()
        if not surface:
            return
        if _is_cjk(surface) or re.fullmatch(r"\d+\+\d+", surface):
            self._zh.setdefault(surface, pid)
            self._zh_maxlen = max(self._zh_maxlen, len(surface))
            return
        variants = {surface, _ascii_variant(surface)}
        if "'" in surface:
            variants |= {surface.replace("'", ""), surface.replace("'", "’")}
        for v in variants:
            cs = case_sensitive if case_sensitive is not None else v.casefold() in _CASE_SENSITIVE_EN
            if cs:
                self._en_cs.setdefault(v, pid)
            else:
                self._en.setdefault(v.casefold(), pid)

    @staticmethod
    def _rows(path: Path) -> Iterator[tuple[int, dict]]:
        if not path.exists():
            raise GazetteerError(f"{path}: file not found (bundled gazetteer tables live in corpora/gazetteer/)")
        with open(path, encoding="utf-8-sig", newline="") as f:
            for i, row in enumerate(csv.DictReader(f), start=2):
                yield i, {k.strip(): (v or "").strip() for k, v in row.items() if k}

    def _load_regions_and_foreign(self, path: Path, *, regions_only: bool) -> None:
        for line, r in self._rows(path):
            kind = r.get("kind", "")
            if kind not in ("country", "city", "region"):
                raise GazetteerError(f"{path}:{line}: field 'kind' must be country|city|region, got {kind!r}")
            if regions_only != (kind == "region"):
                continue
            iso3 = tuple(c.upper() for c in _split(r.get("iso3")))
            if kind == "country" and len(iso3) == 1:
                pid = f"country:{iso3[0]}"
            else:
                pid = f"{kind}:{r['name_en'] or r['name_zh']}"
            place = self._add_place(Place(pid, kind, r["name_en"] or r["name_zh"], r["name_zh"], iso3=iso3))
            for s in [r["name_zh"], r["name_en"], *_split(r.get("variants_zh")), *_split(r.get("variants_en"))]:
                if s:
                    self._add_surface(s, place.id)
        self.sources.append(str(path))

    def _load_multilateral(self, path: Path) -> None:
        for line, r in self._rows(path):
            if not r.get("id"):
                raise GazetteerError(f"{path}:{line}: field 'id' is empty")
            place = self._add_place(Place(f"body:{r['id']}", "body", r["name_en"], r["name_zh"],
                                          level=r.get("kind") or None))
            for s in [r["name_zh"], r["name_en"], *_split(r.get("variants_zh")), *_split(r.get("variants_en"))]:
                self._add_surface(s, place.id)
        self.sources.append(str(path))

    def _load_chinese(self, path: Path) -> None:
        nat = self._add_place(Place("national:CHN", "national", "China", "中国", level="national"))
        for s in (*_NATIONAL_ZH, *_NATIONAL_EN):
            self._add_surface(s, nat.id, case_sensitive=s.isupper() or None)
        for line, r in self._rows(path):
            for fld in ("name_zh", "name_en", "level", "province_en"):
                if not r.get(fld):
                    raise GazetteerError(f"{path}:{line}: field {fld!r} is empty")
            level = r["level"]
            if level not in _LEVEL_SUFFIX_EN:
                raise GazetteerError(f"{path}:{line}: field 'level' must be one of {sorted(_LEVEL_SUFFIX_EN)}, got {level!r}")
            pid = f"cn:{r['name_zh']}" if level in ("city", "prefecture") else f"cn:{r['name_zh']}/p"
            self._add_place(Place(pid, "cn", r["name_en"], r["name_zh"], level=level,
                                          province=r["province_en"]))
            amb = set(_split(r.get("ambiguous_short")))
            if "zh" not in amb:
                self._add_surface(r["name_zh"], pid)
            for s in _split(r.get("variants_zh")):
                self._add_surface(s, pid)
            if "en" not in amb:
                self._add_surface(r["name_en"], pid)
            for suf in _LEVEL_SUFFIX_EN[level]:
                self._add_surface(f"{r['name_en']} {suf}", pid)
            for s in _split(r.get("variants_en")):
                self._add_surface(s, pid)
        self.sources.append(str(path))

    def _country_place(self, iso3: str, name_en: str, name_zh: str = "") -> Place:
        return self._add_place(Place(f"country:{iso3}", "country", name_en, name_zh, iso3=(iso3,)))

    def _load_reference_countries(self, ref: Path) -> None:
        cands = [ref / "countries" / "countries_2020_2021.jsonl", ref / "countries_2020_2021.jsonl"]
        path = next((c for c in cands if c.exists()), None)
        if path is None:
            raise GazetteerError(f"{ref}: no countries/countries_2020_2021.jsonl found; pass the folder that "
                                 "holds countries/ (e.g. ../shared/reference)")
        for i, row in iter_json_objects(path, GazetteerError):
            iso3 = (row.get("iso3") or "").upper()
            if not iso3:
                raise GazetteerError(f"{path}:{i}: field 'iso3' is empty")
            self.countries[iso3] = row
            if iso3 in NON_FOREIGN_ISO3:
                continue
            short_en = _strip_paren(row.get("name_en") or "")
            name_zh = (row.get("name_zh") or "")
            display_en = row.get("name_en_cldr") or (short_en[1] if len(short_en) > 1 else row.get("name_en")) or iso3
            place = self._country_place(iso3, _uninvert(display_en), _strip_paren(name_zh)[-1] if name_zh else "")
            for s in [*short_en, row.get("name_en_cldr") or "", *(_strip_paren(name_zh) if name_zh else []),
                      row.get("name_zh_formal") or ""]:
                if s:
                    self._add_surface(_uninvert(s) if not _is_cjk(s) else s, place.id)
        self.sources.append(str(path))

    def _load_pycountry(self) -> None:
        import pycountry

        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"]).gettext
        except OSError:  # translations not shipped: English names only
            tr = None
        for c in pycountry.countries:
            iso3 = c.alpha_3
            if iso3 in NON_FOREIGN_ISO3:
                continue
            common = getattr(c, "common_name", None)
            names = [n for n in (common, c.name, getattr(c, "official_name", None)) if n]
            zh = tr(c.name) if tr else ""
            zh = zh if zh != c.name else ""
            place = self._country_place(iso3, _uninvert(names[0]), zh)
            for n in names:
                self._add_surface(_uninvert(n), place.id)
            if zh:
                self._add_surface(zh, place.id)
        self.sources.append("pycountry")

    def _load_demonyms(self) -> None:
        """Adjectival forms of country names (``_DEMONYMS``: German → DEU, Czech → CZE).

        Official English texts name partners by adjective as often as by name ("the Czech region of
        South Moravia", "German companies"). They are matched case-sensitively and accepted only in
        attributive use (see :meth:`_accept_demonym`), so languages ("in English, French and
        Spanish") and peoples are not partners. Multi-word regions that contain one ("Latin
        American") are added first as region blockers.
        """
        for name in _EN_REGION_BLOCKERS:
            pid = f"region:{name}"
            self._add_place(Place(pid, "region", name))
            self._add_surface(name, pid, case_sensitive=True)
        for iso3, forms in _DEMONYMS.items():
            place = self.places.get(f"country:{iso3}")
            if place is None or iso3 in NON_FOREIGN_ISO3:
                continue
            for form in forms:
                if form not in self._en_cs:
                    self._add_surface(form, place.id, case_sensitive=True)
                    self._demonyms.add(form)
        self.sources.append("demonyms (built in)")

    def _load_reference_cities(self, path: Path) -> None:
        """Foreign cities and regions from the reference ``pairs_all.jsonl`` (Wikipedia twin-town lists).

        Each row names a ``city`` of the ``country`` whose list page it comes from, so the file is a
        city → country index for ~5,000 cities (Boston → USA, Leeds → GBR, Cebu City → PHL). Rules:

        - only countries the gazetteer resolves, never China/Taiwan/HK/Macao pages;
        - an unqualified title ("Boston") is Wikipedia's primary-topic city and is indexed; of a
          qualified one ("Boston, Lincolnshire", "George Town, Penang") the head is *not* indexed
          (it names another, better-known place) but the qualifier is (Penang → MYS, Lincolnshire →
          GBR): it is a region of that country; "Cebu City" also gives "Cebu";
        - a name that points to two countries is dropped; names the gazetteer already has keep
          their meaning (countries, Chinese places, project-written cities come first);
        - matched case-sensitively (capitalised), so ordinary words are not places; names that are
          also common English words in capitals are left out (``_CITY_STOPLIST``), and so are names
          under four letters once accents are dropped ("Ås" would match "As", "Mie" "Bra" "Spa");
        - not inside a hyphenated name: "Baden" in "Baden-Württemberg" is no Swiss town
          (:meth:`_accept_en`).
        """
        rows = [row for _, row in iter_json_objects(path, GazetteerError)]
        iso_of: dict[str, str | None] = {}
        index: dict[str, set[str]] = {}
        for r in rows:
            country, city = (r.get("country") or "").strip(), unicodedata.normalize("NFKC", r.get("city") or "").strip()
            if not country or not city:
                continue
            if country not in iso_of:
                c = self.resolve_foreign(country)
                iso_of[country] = c.iso3[0] if c is not None and c.kind == "country" and len(c.iso3) == 1 else None
            iso = iso_of[country]
            if iso is None or iso in NON_FOREIGN_ISO3:
                continue
            if "," in city:
                names = [city.split(",", 1)[1].strip()]
            else:
                names = [city]
                if city.endswith(" City") and len(city) > 8:
                    names.append(city[:-5])
            for n in names:
                if n and n[0].isupper() and not _is_cjk(n) and len(_ascii_variant(n)) >= 4 \
                        and n not in _CITY_STOPLIST and _ascii_variant(n) not in _CITY_STOPLIST:
                    index.setdefault(n, set()).add(iso)
        added = 0
        for name, isos in index.items():
            if len(isos) != 1 or self._zh.get(name) or self._en.get(name.casefold()) or self._en_cs.get(name):
                continue
            iso = next(iter(isos))
            pid = f"city:{name}"
            if pid in self.places:
                continue
            self._add_place(Place(pid, "city", name, iso3=(iso,)))
            self._add_surface(name, pid, case_sensitive=True)
            self._ref_cities.add(pid)
            added += 1
        self.sources.append(f"{path} ({added} cities/regions)")

    # ----------------------------------------------------------------------------- registry
    def resolve_chinese(self, name: str) -> Place | None:
        """A Chinese admin unit from a zh or en name (``'成都'``, ``'成都市'``, ``'Chengdu'``)."""
        name = unicodedata.normalize("NFKC", name or "").strip()
        pid = self._zh.get(name) or self._en.get(name.casefold())
        if pid is None and name and not _is_cjk(name):
            pid = self._en.get(f"{name} city".casefold())
        if pid is None and _is_cjk(name):
            pid = self._zh.get(name + "市") or self._zh.get(name + "省")
        p = self.places.get(pid) if pid else None
        return p if p is not None and p.kind == "cn" else None

    def resolve_foreign(self, name: str) -> Place | None:
        """A foreign country/city/region from a zh or en name, or None."""
        name = unicodedata.normalize("NFKC", name or "").strip()
        pid = self._zh.get(name) or self._en.get(name.casefold()) or self._en_cs.get(name) \
            or self._en.get(_ascii_variant(name).casefold())
        p = self.places.get(pid) if pid else None
        return p if p is not None and p.kind in ("country", "city", "region") else None

    def _add_pair(self, cn: Place, partner: str, iso3: str | None, *, since: str | None,
                  relation: str | None, source: str) -> None:
        known = self.resolve_foreign(partner)
        if known is not None and known.kind == "city" and (not iso3 or iso3 in known.iso3):
            key, pname = fold(known.name_en), known.name_en
            iso3 = iso3 or (known.iso3[0] if known.iso3 else None)
        else:
            pname = partner.split(",")[0].strip()
            key = fold(pname)
            if iso3 and not _is_cjk(pname) and pname[:1].isupper():
                # an unknown partner city with a known country: make it findable (case-sensitive)
                pid = f"city:{pname}"
                if pid not in self.places:
                    self._add_place(Place(pid, "city", pname, iso3=(iso3,)))
                    self._add_surface(pname, pid, case_sensitive=True)
            elif iso3 and _is_cjk(pname):
                # the same for a Chinese partner name in a user registry (宿务 / 宿务市, PHL)
                short = pname[:-1] if pname.endswith("市") else pname
                pid = f"city:{pname}"
                if len(short) >= 2 and pid not in self.places and short not in self._zh \
                        and short + "市" not in self._zh:
                    self._add_place(Place(pid, "city", pname, pname, iso3=(iso3,)))
                    self._add_surface(short, pid)
                    self._add_surface(short + "市", pid)
        pair = SisterPair(cn.id, key, pname, iso3, since or None, relation or None, source)
        bucket = self._pair_index.setdefault((cn.id, key), [])
        if not any(p.partner_iso3 == iso3 for p in bucket):
            bucket.append(pair)
            self.sister_pairs.append(pair)

    def _load_registry_csv(self, path: Path) -> None:
        required = ("chinese_city", "chinese_province", "partner_city", "partner_country_iso3")
        n = 0
        for line, r in self._rows(path):
            missing = [c for c in required if c not in r]
            if missing:
                raise GazetteerError(f"{path}: missing column(s) {missing}; a registry CSV needs "
                                     f"{', '.join(required)}[, since, relation, source]")
            if not r["partner_city"]:
                raise GazetteerError(f"{path}:{line}: field 'partner_city' is empty")
            cn_name = r["chinese_city"] or r["chinese_province"]
            cn = self.resolve_chinese(cn_name)
            if cn is None and r["chinese_city"] and r["chinese_province"]:
                # a county-level city etc.: fall back to the province
                cn = self.resolve_chinese(r["chinese_province"])
            if cn is None:
                raise GazetteerError(f"{path}:{line}: Chinese place {cn_name!r} is not in chinese_admin.csv "
                                     "(use a prefecture-level city or province name in zh or en)")
            iso3 = r["partner_country_iso3"].upper() or None
            if iso3 and not re.fullmatch(r"[A-Z]{3}", iso3):
                raise GazetteerError(f"{path}:{line}: field 'partner_country_iso3' must be a 3-letter code, got {iso3!r}")
            self._add_pair(cn, r["partner_city"], iso3, since=r.get("since"), relation=r.get("relation"),
                           source=r.get("source") or path.name)
            n += 1
        self.sources.append(f"{path} ({n} pairs)")

    def _load_wikipedia_pairs(self, path: Path) -> None:
        rows = [row for _, row in iter_json_objects(path, GazetteerError)]  # (closes the file)
        country_of: dict[str, str] = {}
        for r in rows:
            if r.get("partner_country"):
                c = self.resolve_foreign(r["partner_country"])
                if c is not None and c.kind == "country":
                    country_of[fold(r["partner"])] = c.iso3[0]
        n = 0
        for r in rows:
            cn = self.resolve_chinese(r.get("chinese_city") or "")
            if cn is None or not r.get("partner"):
                continue
            self._add_pair(cn, r["partner"], country_of.get(fold(r["partner"])), since=None,
                           relation="sister city", source=f"wikipedia:{path.name}")
            n += 1
        self.sources.append(f"{path} ({n} pairs)")

    def sister_pairs_for(self, actor: Place, partner: Place) -> list[SisterPair]:
        """Registered ties between a Chinese place (its city or its province) and a foreign place."""
        out: list[SisterPair] = []
        key = fold(partner.name_en)
        cands = [actor.id]
        if actor.province:
            prov = self.resolve_chinese(actor.province)
            if prov is not None and prov.id != actor.id:
                cands.append(prov.id)
        for cid in cands:
            for p in self._pair_index.get((cid, key), []):
                if p.partner_iso3 is None or not partner.iso3 or p.partner_iso3 in partner.iso3:
                    out.append(p)
        return out

    # ----------------------------------------------------------------------------- matching
    def _compile(self) -> None:
        self._zh_first = frozenset(s[0] for s in self._zh)
        self._en_re = re.compile(r"(?<!\w)(?:" + _trie_regex(self._en) + r")(?!\w)", re.IGNORECASE) \
            if self._en else None
        self._en_cs_re = re.compile(r"(?<![\w.])(?:" + _trie_regex(self._en_cs) + r")(?![\w])") \
            if self._en_cs else None
        self._demonym_re = re.compile(_trie_regex(self._demonyms)) if self._demonyms else None

    def find(self, text: str) -> list[Match]:
        """All non-overlapping place matches in ``text``, leftmost-longest, in text order.

        Examples
        --------
        >>> gaz = Gazetteer.load()
        >>> [m.place.name_en for m in gaz.find("成都市向波兰罗兹市捐赠口罩")]
        ['Chengdu', 'Poland', 'Łódź']
        """
        text = unicodedata.normalize("NFKC", text or "")
        cands: list[Match] = []
        zh, maxlen, first = self._zh, self._zh_maxlen, self._zh_first
        n = len(text)
        i = 0
        while i < n:
            ch = text[i]
            if ch in first:
                for L in range(min(maxlen, n - i), 0, -1):
                    pid = zh.get(text[i:i + L])
                    if pid is not None:
                        if self._accept_zh(text, i, i + L, self.places[pid]):
                            cands.append(Match(i, i + L, text[i:i + L], self.places[pid]))
                        i += L
                        break
                else:
                    i += 1
            else:
                i += 1
        for rx, table, fold_case in ((self._en_re, self._en, True), (self._en_cs_re, self._en_cs, False)):
            if rx is None:
                continue
            for m in rx.finditer(text):
                s = m.group(0)
                pid = table.get(s.casefold() if fold_case else s)
                if pid is None:
                    continue
                place = self._accept_en(text, m.start(), m.end(), self.places[pid])
                if place is not None:
                    cands.append(Match(m.start(), m.end(), s, place))
        if self._ref_cities:  # one sense per document for names also used as a person's name
            persons = {m.group(0) for m in (self._en_cs_re.finditer(text) if self._en_cs_re else ())
                       if self._en_cs.get(m.group(0)) in self._ref_cities
                       and self._ref_city_use(text, m.start(), m.end()) == "person"}
            if persons:
                cands = [m for m in cands if not (m.place.id in self._ref_cities and m.surface in persons)]
        cands.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Match] = []
        last_end = -1
        for m in cands:
            if m.start >= last_end:
                out.append(m)
                last_end = m.end
        return out

    @staticmethod
    def _accept_zh(text: str, start: int, end: int, place: Place) -> bool:
        """Context rules for Chinese names of foreign countries/cities: a language or a currency is no place.

        - language: the name followed by 语 or by 文 as a word of its own (西班牙语, 越南语言,
          西班牙文版, 西班牙文和…; but 西班牙文化 is Spanish culture and stays Spain);
        - currency: the name followed by a currency word (新加坡元, 瑞士法郎, 印度卢比; not 美国元首).
        """
        if place.kind not in ("country", "city"):
            return True
        rest = text[end:end + 4]
        return not (_LANGUAGE_ZH.match(rest) or _CURRENCY_ZH.match(rest))

    def _accept_demonym(self, text: str, start: int, end: int) -> bool:
        """A demonym ("German", "Czech") names its country only in attributive use.

        Accepted when the adjective — or the last of a coordinated list of them ("Spanish and
        Portuguese coaches") — is followed by a noun: "German companies", "the Czech region",
        "Korean-invested firms". Rejected when the list ends the phrase or is followed by a function
        word or a language noun ("in English, Japanese and Korean.", "into French, Arabic and other
        languages", "Spanish-language", "Korean speakers"), and for the demonyms that also name
        peoples of China next to ethnic/nationality/minority ("Korean ethnic group").
        """
        word = text[start:end]
        if word in _ETHNIC_DEMONYMS and re.search(r"\bethnic\s+$", text[max(0, start - 10):start]):
            return False
        dem = self._demonym_re
        alt = (dem.pattern + "|" if dem is not None else "") + "|".join(_LANGUAGE_ONLY)
        sep = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+|\s*/\s*)"
        # walk the coordinated list both ways: "English, Japanese and Korean"
        head = start
        while True:
            m = re.search(r"(?<![\w-])(" + alt + ")" + sep + "$", text[max(0, head - 80):head])
            if not m:
                break
            if m.group(1) in _LANGUAGE_ONLY:
                return False
            head -= len(m.group(0))
        if _LANGUAGE_BEFORE.search(text[max(0, head - 30):head]):
            return False
        pos = end
        while True:
            m = re.match(sep + "(" + alt + r")(?!\w)", text[pos:pos + 80])
            if not m:
                break
            if m.group(1) in _LANGUAGE_ONLY:
                return False
            pos += m.end()
        m = re.match(r"(\s+|-)([A-Za-z][\w'’]*)", text[pos:pos + 60])
        if not m:
            return False
        nxt = m.group(2).casefold()
        if nxt in _LANGUAGE_NOUNS or (m.group(1) == " " or m.group(1).isspace()) and nxt in _FUNCTION_WORDS:
            return False
        if word in _ETHNIC_DEMONYMS and nxt in _ETHNIC_CONTEXT:
            return False
        if _CURRENCY_EN.match(text[end:end + 30]):
            return False
        return True

    @staticmethod
    def _ref_city_use(text: str, start: int, end: int) -> str | None:
        """Reference-index cities (``pairs_all``) are unvetted names: ``'compound'`` or ``'person'`` when
        this occurrence is not the city, None when it is accepted.

        - inside a hyphenated name: "Baden" in "Baden-Württemberg";
        - after a title ("Mr. Bolton", "Ambassador Bolton", "Speaker Nancy …");
        - next to another capitalised word, as for Jordan/Chad: "John Bolton", "Miguel Vargas
          Maldonado", "Nancy Pelosi", "Martin Griffiths", "Volga Federal District" — except a
          place-type or city-office word after it ("Saitama Prefecture", "Pisa Mayor", "Washington D.C.").
          The capitalisation rules are skipped on a title-case line (a headline: "Kunming and
          Chiang Mai Doctors Exchange Views"), where every word is capitalised.

        One sense per document: once a name is used as a person's name, :meth:`find` drops its
        other occurrences too ("Mr. Bolton … Pompeo and Bolton met").
        """
        if re.match(r"-[A-Z]", text[end:end + 2]) or re.search(r"[A-Za-z]-$", text[max(0, start - 2):start]):
            return "compound"
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        words = re.findall(r"[A-Za-z][\w'’]*", text[line_start:line_end if line_end >= 0 else len(text)])
        content = [w for w in words if w.casefold() not in _FUNCTION_WORDS]
        if len(content) >= 3 and sum(w[0].isupper() for w in content) >= 0.8 * len(content):
            return None  # a title-case headline: capitalised neighbours say nothing
        before = text[max(0, start - 40):start]
        if re.search(r"\b(?:Mr|Mrs|Ms|Dr|Prof|Sir|Madam|Ambassador|Envoy|Secretary|Minister|Speaker|President|"
                     r"Senator|Representative|Chairman|Director|Professor|General)\.?\s+$", before):
            return "person"
        prev = re.search(r"([A-Za-z][\w.’']*)[ \t]+$", before)
        if prev and prev.group(1)[0].isupper() and not prev.group(1).endswith(".") \
                and prev.group(1).casefold() not in ("the", "and", "of", "in", "to", "with", "from", "for", "at", "on",
                                                     "by", "via", "as", "a", "an"):
            return "person"
        nxt = re.match(r"[ \t]+([A-Z][\w’']*)", text[end:end + 30])
        if nxt and nxt.group(1) not in _PLACE_TYPE_WORDS and not re.match(r"D\.\s?C\.", text[end + nxt.start(1):]):
            return "person"
        return None

    def _accept_en(self, text: str, start: int, end: int, place: Place) -> Place | None:
        """Context rules for English names: currencies, demonyms, person names and a US state.

        - a country name or acronym followed by a currency word or ``$`` is the currency, not a
          place ("US$5 billion", "US dollars", "Singapore dollars");
        - demonyms: see :meth:`_accept_demonym`;
        - reference-index cities: see :meth:`_accept_ref_city`;
        - Jordan/Chad next to another capitalised word are person names; Georgia after a Georgia
          city or before ", USA" is the US state.
        """
        surface = text[start:end]
        if place.kind in ("country", "city") and _CURRENCY_EN.match(text[end:end + 30]):
            return None
        if place.id in self._ref_cities and self._ref_city_use(text, start, end) is not None:
            return None
        if surface in self._demonyms:
            return place if self._accept_demonym(text, start, end) else None
        low = surface.casefold()
        if low not in _NAME_LIKE_EN:
            return place
        before, after = text[max(0, start - 40):start], text[end:end + 30]
        if low == "georgia":
            if re.search(r"(Atlanta|Savannah|Augusta|Athens|Columbus|Macon),\s*$|state of\s*$", before) or \
                    re.match(r"\s*(,\s*)?(\(?USA\)?|\(?U\.S\.\)?|United States|state\b)", after):
                return self.places.get("country:USA")
            return place
        # Jordan / Chad next to another capitalised word: a person's name (Michael Jordan, Chad Smith)
        prev = re.search(r"([A-Za-z][\w.]*)\s+$", before)
        if prev and prev.group(1)[0].isupper() and not prev.group(1).endswith(".") \
                and prev.group(1).casefold() not in ("the", "and", "of", "in", "to", "with", "from", "for"):
            return None
        if re.match(r"\s+[A-Z][a-z]", after):
            return None
        return place

    # ------------------------------------------------------------------------ development
    def development_status(self, iso3: str, scheme: str = "m49-2020", *, date: str | None = None) -> str | None:
        """``'developed'``, ``'developing'`` or None (no reference table, or the country has no data).

        Schemes: ``m49-2020`` (UN M49 developed/developing as published up to 2021) and
        ``wb-income`` (World Bank high income = developed): the fiscal year follows the document
        date — a 2020 document uses FY21 (classification effective July 2020), 2021 uses FY22;
        earlier years FY20, later FY23, undated FY21. ``wb-income:FY22`` fixes the year.
        """
        if scheme not in DEVELOPMENT_SCHEMES:
            raise ValueError(f"unknown development scheme {scheme!r}; use one of {', '.join(DEVELOPMENT_SCHEMES)}")
        row = self.countries.get(iso3)
        if row is None:
            return None
        if scheme == "m49-2020":
            v = row.get("un_m49_dev_status_2020")
            return v.lower() if v else None
        fy = scheme.split(":", 1)[1] if ":" in scheme else wb_fiscal_year(date)
        v = row.get(f"wb_income_{fy}")
        if not v:
            return None
        return "developed" if v.strip().lower() == "high income" else "developing"

    @property
    def has_reference(self) -> bool:
        return bool(self.countries)

    def describe(self) -> str:
        kinds: dict[str, int] = {}
        for p in self.places.values():
            kinds[p.kind] = kinds.get(p.kind, 0) + 1
        return (f"gazetteer: {kinds}; {len(self._zh)} zh + {len(self._en) + len(self._en_cs)} en surfaces; "
                f"{len(self.sister_pairs)} sister-city pairs; reference countries: {len(self.countries)}")


def wb_fiscal_year(date: str | None) -> str:
    """World Bank fiscal year used for a document date: 2020 → FY21, 2021 → FY22 (see README)."""
    m = re.match(r"(\d{4})", date or "")
    if not m:
        return "FY21"
    year = int(m.group(1))
    return f"FY{min(max(year + 1, 2020), 2023) % 100:02d}"
