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
4. ``pycountry`` (bundled fallback): ISO3, English names and its ``zh_CN`` translations.

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
        self.countries: dict[str, dict] = {}      # iso3 → reference row (empty without reference)
        self.sister_pairs: list[SisterPair] = []
        self._pair_index: dict[tuple[str, str], list[SisterPair]] = {}
        self.sources: list[str] = []

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
        cands.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Match] = []
        last_end = -1
        for m in cands:
            if m.start >= last_end:
                out.append(m)
                last_end = m.end
        return out

    def _accept_en(self, text: str, start: int, end: int, place: Place) -> Place | None:
        """Context rules for English names that are also person names or a US state."""
        low = text[start:end].casefold()
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
