"""Who, with whom, in what format: actor/partner/sister-city/development/format codes for one document.

The rules (documented in ``corpora/gazetteer/README.md``):

- **actors**: sub-national Chinese places mentioned (cities, provinces, SARs, Taiwan), in order.
- **actor** (best effort): the first Chinese place in the first sentence; "四川省成都市" gives the
  city; if the first sentence names none, the first one anywhere; with no sub-national place, China
  itself (``level='national'``) when the text names it; else null.
- **partners**: ISO3 codes of foreign countries named, implied by a named foreign city or by an
  attributive adjective ("German companies"), in order of first mention; languages (西班牙语,
  "in English and French") and currencies (US$, 新加坡元) are not mentions (see the gazetteer). China, Taiwan, Hong Kong and Macao are never partners.
- **transit places**: a foreign city right after a transit word ("via Milan", "transiting through
  Dubai", 经由/途经/取道/中转/经 米兰) is the route, not the partner: it is neither a partner place
  nor, by itself, a partner country.
- **venue bodies**: a body named only as the occasion of the activity ("during the China–ASEAN
  … Week", "on the sidelines of …", "在中国—东盟博览会期间") is dropped when a partner country is
  named (the partner is who the actor dealt with); with no partner named it is kept.
- **format**: ``multilateral`` when a named multilateral body is mentioned or two or more partner
  countries are; ``bilateral`` with exactly one partner country and no body; null otherwise. Generic
  words (论坛, 峰会, forum, summit, multilateral) count as a body only when a partner country is named.
- **sister_city**: true when any actor–partner-place pair is in the loaded registries (the
  bundled seed is always loaded), or when the text itself calls the partner a sister/friendship city
  (友好城市, 友城, sister city, twin city) and names an actor and a partner; false when there is an
  actor and a partner but neither holds; null when there is no actor or no partner.
- **development**: ``{iso3: 'developed'|'developing'|null}`` under the chosen scheme; every value is
  null when no reference table was loaded (``development_note`` says so) — never guessed.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Iterator

from nlp.actors.gazetteer import NON_FOREIGN_ISO3, Gazetteer, Match, Place

__all__ = ["extract", "extract_fields", "extract_records", "FLAT_FIELDS"]

_SENT_END = re.compile(r"[。！？!?\n]|\.(?=\s+[A-Z\"“])")
_SISTER_CUES = re.compile(r"友好城市|友城|姊妹城市|姐妹城市|友好省|友好州|结好|sister[- ]cit|twin(?:ned)?[- ]?(?:cit|town)|"
                          r"friendship[- ]cit|sister province|sister state", re.IGNORECASE)
_TRANSIT_EN = re.compile(r"(?:\bvia|\btransit(?:ing|ed)?(?:\s+(?:through|via|in|at))?|\bby way of|"
                         r"\bthrough the (?:airport|port|hub) of)\s+(?:the\s+)?$", re.IGNORECASE)
_TRANSIT_ZH = re.compile(r"(?:经由|途经|取道|中转|转经|(?<![已曾历])经)$")
#: An occasion phrase opened before a body: "during the China–ASEAN … Week", "on the sidelines of".
_VENUE_OPEN_EN = re.compile(r"\b(?:during|on the (?:sidelines|margins) of|at the opening of)\s+(?:the\s+)?"
                            r"(?:[A-Z0-9][\w'’]*(?:\s+|[-–—]))*$")
_VENUE_CLOSE_ZH = re.compile(r"^[^。！？；\n，,]{0,30}?(?:期间|间隙)")
_NO_REFERENCE_NOTE = ("development status unknown: no reference country table loaded "
                      "(pass --reference DIR, e.g. ../shared/reference); statuses are never guessed")

#: Field names :func:`extract_fields` adds to a tagged record, in output order.
FLAT_FIELDS = ("actor", "actor_level", "actor_province", "actors", "partners", "partner_places",
               "multilateral_bodies", "format", "sister_city", "sister_city_evidence", "sister_city_pairs",
               "development", "development_scheme", "development_note")


def _first_sentence_end(text: str) -> int:
    m = _SENT_END.search(text)
    return m.start() if m else len(text)


def _pick_actor(cn: list[Match], national: list[Match], text: str) -> Place | None:
    if cn:
        end = _first_sentence_end(text)
        first = [m for m in cn if m.start < end] or cn
        m0 = first[0]
        # "四川省成都市": a province immediately followed by one of its cities → the city
        for m1 in cn:
            if m1.start >= m0.end and m1.start - m0.end <= 1 and m0.place.level not in ("city", "prefecture") \
                    and m1.place.province == m0.place.name_en:
                return m1.place
            if m1.start > m0.end + 1:
                break
        return m0.place
    return national[0].place if national else None


def _is_transit(text: str, m: Match) -> bool:
    """A foreign city named as the route of a shipment or trip ("via Milan", "经米兰"), not a partner."""
    if m.place.kind != "city":
        return False
    before = text[max(0, m.start - 40):m.start]
    return bool(_TRANSIT_EN.search(before) or _TRANSIT_ZH.search(before))


def _is_venue(text: str, m: Match) -> bool:
    """A body mentioned as the occasion ("during the China–ASEAN Expo", "在…博览会期间"), not a participant."""
    before = text[max(0, m.start - 80):m.start]
    if _VENUE_OPEN_EN.search(before):
        return True
    if re.search(r"在[^。！？；\n，,]{0,10}$", before) and _VENUE_CLOSE_ZH.match(text[m.end:m.end + 40]):
        return True
    return False


def extract(doc_or_text: Any, gazetteer: Gazetteer, *, lang: str | None = None,
            development: str = "m49-2020", date: str | None = None,
            sister_from_text: bool = True) -> dict:
    """Code one document: actors, acting actor, partners (ISO3), bodies, format, sister city, development.

    Parameters
    ----------
    doc_or_text : Document or str
        A :class:`nlp.corpus.Document` (its title and text are read together, its date picks the
        World Bank fiscal year) or a plain string.
    gazetteer : Gazetteer
        From :meth:`Gazetteer.load`.
    lang : str, optional
        Recorded only: both zh and en names are always matched (official texts mix scripts).
    development : str
        ``'m49-2020'`` or ``'wb-income'`` (or ``'wb-income:FY22'`` etc.), see
        :meth:`Gazetteer.development_status`.
    date : str, optional
        Overrides the document date for the World Bank year.
    sister_from_text : bool
        Also accept an explicit sister-city phrase in the text as evidence.

    Returns
    -------
    dict
        ``actors`` (list of {id, name, name_zh, level, province}), ``actor`` (one of them or
        None), ``partners`` (ISO3 list), ``partner_places`` (foreign cities, dicts),
        ``multilateral_bodies`` (dicts with id/name/kind), ``format``, ``sister_city``,
        ``sister_city_evidence``, ``sister_city_pairs``, ``development``,
        ``development_scheme``, ``development_note``, ``lang``.

    Examples
    --------
    >>> from nlp.actors import Gazetteer
    >>> r = extract("成都市向友好城市波兰罗兹市捐赠口罩。", Gazetteer.load())
    >>> r["actor"]["name"], r["partners"], r["format"], r["sister_city"]
    ('Chengdu', ['POL'], 'bilateral', True)
    """
    if isinstance(doc_or_text, str):
        text = doc_or_text
    else:
        title = getattr(doc_or_text, "title", None) or ""
        text = (title + "\n" + doc_or_text.text) if title else doc_or_text.text
        date = date or getattr(doc_or_text, "date", None)
        lang = lang or getattr(doc_or_text, "lang", None)
    matches = gazetteer.find(text)
    ntext = unicodedata.normalize("NFKC", text)  # match offsets refer to the normalised text

    cn = [m for m in matches if m.place.kind == "cn"]
    national = [m for m in matches if m.place.kind == "national"]
    actors: list[Place] = list(dict.fromkeys(m.place for m in cn))
    actor = _pick_actor(cn, national, text)

    partners: list[str] = []
    partner_places: list[Place] = []
    for m in matches:
        if m.place.kind in ("country", "city") and not _is_transit(ntext, m):
            for iso in m.place.iso3:
                if iso not in NON_FOREIGN_ISO3 and iso not in partners:
                    partners.append(iso)
            if m.place.kind == "city" and m.place.iso3 and m.place not in partner_places \
                    and not set(m.place.iso3) <= NON_FOREIGN_ISO3:
                partner_places.append(m.place)
    body_matches = [m for m in matches if m.place.kind == "body"]
    if partners:
        body_matches = [m for m in body_matches if not _is_venue(ntext, m)]
    bodies = list(dict.fromkeys(m.place for m in body_matches))
    named = [b for b in bodies if b.level != "generic"]
    if named or not partners:
        bodies = named

    if bodies or len(partners) >= 2:
        fmt = "multilateral"
    elif len(partners) == 1:
        fmt = "bilateral"
    else:
        fmt = None

    pairs = []
    for a in actors:
        for p in partner_places:
            pairs.extend(gazetteer.sister_pairs_for(a, p))
    pairs = list(dict.fromkeys(pairs))
    evidence = []
    if pairs:
        evidence.append("registry")
    if sister_from_text and actors and partners and _SISTER_CUES.search(text):
        evidence.append("text")
    if not actors or not partners:
        sister = None
    else:
        sister = bool(evidence)

    dev = {iso: gazetteer.development_status(iso, development, date=date) for iso in partners}
    return {
        "lang": lang,
        "actors": [a.to_dict() for a in actors],
        "actor": actor.to_dict() if actor else None,
        "partners": partners,
        "partner_places": [p.to_dict() for p in partner_places],
        "multilateral_bodies": [{"id": b.id.split(":", 1)[1], "name": b.name_en, "name_zh": b.name_zh,
                                 "kind": b.level} for b in bodies],
        "format": fmt,
        "sister_city": sister,
        "sister_city_evidence": evidence,
        "sister_city_pairs": [{"pair": p.label(gazetteer), "partner_iso3": p.partner_iso3, "since": p.since,
                               "relation": p.relation, "source": p.source} for p in pairs],
        "development": dev,
        "development_scheme": development,
        "development_note": None if gazetteer.has_reference else _NO_REFERENCE_NOTE,
    }


def extract_fields(doc: Any, gazetteer: Gazetteer, *, development: str = "m49-2020") -> dict:
    """Flat, JSON-serialisable codes for one document (what ``silkframe tag --extract`` adds).

    Keys are :data:`FLAT_FIELDS`: ``actor`` (English name), ``actor_level``,
    ``actor_province``, ``actors`` / ``partner_places`` / ``multilateral_bodies`` /
    ``sister_city_pairs`` (lists of strings), ``partners`` (ISO3 list), ``format``,
    ``sister_city``, ``sister_city_evidence`` (``registry`` and/or ``text``),
    ``development`` ({iso3: status}), ``development_scheme``.
    """
    r = extract(doc, gazetteer, development=development)
    a = r["actor"]
    return {
        "actor": a["name"] if a else None,
        "actor_level": a.get("level") if a else None,
        "actor_province": a.get("province") if a else None,
        "actors": [x["name"] for x in r["actors"]],
        "partners": r["partners"],
        "partner_places": [p["name"] for p in r["partner_places"]],
        "multilateral_bodies": [b["id"] for b in r["multilateral_bodies"]],
        "format": r["format"],
        "sister_city": r["sister_city"],
        "sister_city_evidence": r["sister_city_evidence"],
        "sister_city_pairs": [p["pair"] for p in r["sister_city_pairs"]],
        "development": r["development"],
        "development_scheme": r["development_scheme"],
        "development_note": r["development_note"],
    }


def extract_records(records: Iterable[Any], gazetteer: Gazetteer, *, development: str = "m49-2020",
                    flat: bool = True) -> Iterator[Any]:
    """Stream: each Document becomes ``{"id", "date", **codes}``; ErrorRecords pass through unchanged.

    ``flat=True`` uses :func:`extract_fields`; ``flat=False`` the full :func:`extract` dict.
    """
    for rec in records:
        if not hasattr(rec, "text"):
            yield rec
            continue
        codes = extract_fields(rec, gazetteer, development=development) if flat \
            else extract(rec, gazetteer, development=development)
        yield {"id": rec.id, "date": getattr(rec, "date", None), **codes}
