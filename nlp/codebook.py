"""The codebook as data: one immutable :class:`Codebook` that every part reads labels from.

Label ids, their order, names, cues and decision rules come from a YAML (or JSON) file, by
default ``corpora/codebook.yaml`` (codebook v1.1). Users can point every command at their own
file to run the same code on another scheme. Label order never comes from data.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["Label", "Codebook", "CodebookError", "load_codebook", "default_codebook_path"]

SILK_ROAD_CATEGORIES = ("health", "digital", "general", "none")

_TOP_FIELDS = {"name", "version", "description", "labels", "storytelling", "context_label",
               "implies", "silk_road", "rules"}
_LABEL_FIELDS = {"id", "short", "name", "definition", "rules", "cues", "counter_cues", "frame_cues", "hypothesis"}


class CodebookError(ValueError):
    """A codebook file that cannot be used; the message says what to fix and where."""


def default_codebook_path() -> Path:
    """Path of the bundled codebook (``corpora/codebook.yaml``; see :mod:`nlp.resources`)."""
    from nlp.resources import bundled

    try:
        return bundled("codebook.yaml")
    except FileNotFoundError as e:
        raise CodebookError(str(e)) from None


def _rebuild(cls: type, state: dict) -> object:
    """Inverse of ``_ReadOnlyPickle.__reduce__``: wrap the plain dicts back into read-only views."""
    return cls(**{k: MappingProxyType(v) if isinstance(v, dict) else v for k, v in state.items()})


class _ReadOnlyPickle:
    """Pickle and deepcopy support for frozen dataclasses holding ``MappingProxyType`` views.

    A mappingproxy cannot be pickled, which broke ``copy.deepcopy``, ``sklearn.base.clone`` and
    joblib on any fitted model holding a codebook; the views travel as plain dicts instead.
    """

    def __reduce__(self):
        return _rebuild, (type(self), {f.name: dict(v) if isinstance(v := getattr(self, f.name), MappingProxyType)
                                       else v for f in fields(self)})


@dataclass(frozen=True)
class Label(_ReadOnlyPickle):
    """One binary label of the scheme."""

    id: str
    short: str
    name: Mapping[str, str]
    definition: str
    rules: tuple[int, ...]
    cues: Mapping[str, tuple[str, ...]]
    hypothesis: Mapping[str, str]
    #: phrases of contexts the decision rules exclude (e.g. a technology firm in a sanctions dispute for DSR)
    counter_cues: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: words that frame a cue as this label when they share its sentence (e.g. "cooperation" for DSR, rule 8)
    frame_cues: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def __hash__(self) -> int:  # the generated one fails on the mappingproxy fields
        return hash((self.id, self.short, self.definition, self.rules))


@dataclass(frozen=True)
class Codebook(_ReadOnlyPickle):
    """Immutable labelling scheme: label order, names, cues, rules and derived values.

    Build it with :func:`load_codebook`. ``label_ids`` is the column order of every
    probability matrix, output file and report in Silkframe.
    """

    name: str
    version: str
    description: str
    labels: tuple[Label, ...]
    storytelling: tuple[str, ...]
    context_label: str | None
    implies: Mapping[str, tuple[str, ...]]
    silk_road: Mapping[str, str]
    rules: Mapping[int, str]
    source: str = ""
    sha256: str = field(default="", compare=False)

    def __hash__(self) -> int:
        # compared fields only (not sha256, which equality ignores), so a == b implies equal hashes
        return hash((self.name, self.version, self.labels, self.source))

    # ---- label order -------------------------------------------------------------------
    @property
    def label_ids(self) -> tuple[str, ...]:
        return tuple(lab.id for lab in self.labels)

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def index(self, label_id: str) -> int:
        """Column of ``label_id``; raises :class:`CodebookError` naming the known ids."""
        try:
            return self.label_ids.index(label_id)
        except ValueError:
            raise CodebookError(
                f"unknown label {label_id!r}; codebook {self.name} v{self.version} has: "
                + ", ".join(self.label_ids)) from None

    def __getitem__(self, label_id: str) -> Label:
        return self.labels[self.index(label_id)]

    # ---- conversions ---------------------------------------------------------------------
    def to_matrix(self, label_lists: Iterable[Sequence[str]], *, strict: bool = True) -> np.ndarray:
        """Lists of label ids → binary matrix (n_docs, n_labels) in codebook order.

        Unknown ids raise :class:`CodebookError` when ``strict`` (the default), else are ignored.
        """
        rows = []
        for labels in label_lists:
            row = np.zeros(self.n_labels, dtype=np.int8)
            for lab in labels or ():
                if lab in self.label_ids:
                    row[self.label_ids.index(lab)] = 1
                elif strict:
                    self.index(lab)
            rows.append(row)
        if not rows:
            return np.zeros((0, self.n_labels), dtype=np.int8)
        return np.vstack(rows)

    def to_labels(self, row: Sequence[int | bool]) -> list[str]:
        """Binary row → list of label ids (codebook order)."""
        return [lid for lid, v in zip(self.label_ids, row) if v]

    def apply_implications(self, Y: np.ndarray) -> np.ndarray:
        """Enforce the ``implies`` rules (e.g. R1–R4 ⇒ covid) on a binary matrix or probabilities.

        For probabilities the implied label gets at least the implying label's probability.
        ``implies`` is closed under transitivity at load, so one call handles chains (a⇒b⇒c).
        """
        Y = np.array(Y, copy=True)
        for src, targets in self.implies.items():
            i = self.index(src)
            for t in targets:
                j = self.index(t)
                Y[:, j] = np.maximum(Y[:, j], Y[:, i])
        return Y

    # ---- derived values ------------------------------------------------------------------
    def storytelling_flag(self, Y: np.ndarray) -> np.ndarray:
        """1 where any storytelling theme (R1–R4) is present; shape (n_docs,)."""
        Y = np.asarray(Y)
        if not self.storytelling:
            return np.zeros(len(Y), dtype=np.int8)
        cols = [self.index(s) for s in self.storytelling]
        return (Y[:, cols] > 0).any(axis=1).astype(np.int8)

    def silk_road_category(self, Y: np.ndarray) -> np.ndarray:
        """Silk Road category per document: ``health``, ``digital``, ``general`` (both) or ``none``.

        A key missing from ``silk_road`` counts as never present (a scheme with only a DSR label
        gives ``digital`` or ``none``).
        """
        Y = np.asarray(Y)
        if not self.silk_road:
            return np.array(["none"] * len(Y), dtype=object)
        h, d = (Y[:, self.index(self.silk_road[k])] > 0 if k in self.silk_road else np.zeros(len(Y), dtype=bool)
                for k in ("health", "digital"))
        out = np.where(h & d, "general", np.where(h, "health", np.where(d, "digital", "none")))
        return out.astype(object)

    def cues(self, label_id: str, lang: str) -> tuple[str, ...]:
        return tuple(self[label_id].cues.get(lang, ()))

    def describe(self) -> str:
        """Short human-readable listing of the labels."""
        lines = [f"{self.name} v{self.version} ({self.n_labels} labels)"]
        for lab in self.labels:
            lines.append(f"  {lab.id:<22} {lab.short:<6} {lab.name.get('en', '')} / {lab.name.get('zh', '')}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "sha256": self.sha256,
                "labels": list(self.label_ids), "source": self.source}


def _fail(path: str, msg: str) -> None:
    raise CodebookError(f"{path}: {msg}")


def _read_raw(path: Path) -> dict:
    """Parse ``path`` as JSON (``.json``) or YAML into the top-level mapping.

    Parse errors become :class:`CodebookError` naming the file, line and column, so a typo in a
    user's codebook reads as a message rather than a traceback.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        _fail(str(path), f"not a UTF-8 text file (byte {e.start}); a codebook is a YAML or JSON file")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            _fail(str(path), f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}")
    else:
        import yaml  # local: keeps `import nlp` light

        try:
            # LibYAML's C loader when PyYAML has it (the wheels do): same result, ~10x faster
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            what = getattr(e, "problem", None) or str(e)
            _fail(str(path), f"invalid YAML{where}: {what}")
    if not isinstance(data, dict):
        _fail(str(path), "top level must be a mapping with 'name', 'version' and 'labels' "
                         f"(got {type(data).__name__}); is this a codebook file?")
    return data


def _rule_number(x: object) -> int | None:
    """A decision-rule number (an int, or a digit string as JSON keys are), else ``None``."""
    if isinstance(x, int) and not isinstance(x, bool):
        return x
    if isinstance(x, str):
        try:
            return int(x)
        except ValueError:
            return None
    return None


def _validate_label(src: str, i: int, raw: object, seen: set[str]) -> Label:
    where = f"{src}: labels[{i}]"
    if not isinstance(raw, dict):
        raise CodebookError(f"{where}: each label must be a mapping with at least 'id' and 'cues'")
    unknown = set(raw) - _LABEL_FIELDS
    if unknown:
        raise CodebookError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(_LABEL_FIELDS)}")
    lid = raw.get("id")
    if lid is not None and not isinstance(lid, str):
        raise CodebookError(f"{where}: 'id' must be a string (got {type(lid).__name__} {lid!r}); quote it")
    if not isinstance(lid, str) or not lid.strip():
        raise CodebookError(f"{where}: missing or empty 'id'")
    if lid in seen:
        raise CodebookError(f"{where}: duplicate label id {lid!r}; ids must be unique")
    seen.add(lid)
    cues_raw = raw.get("cues") or {}
    if not isinstance(cues_raw, dict) or not cues_raw:
        raise CodebookError(f"{where} ({lid}): 'cues' must map a language code to a non-empty list of phrases")
    cues: dict[str, tuple[str, ...]] = {}
    for lang, phrases in cues_raw.items():
        if not isinstance(phrases, list):
            raise CodebookError(f"{where} ({lid}): cues for {lang!r} must be a list of phrases, "
                                f"got {type(phrases).__name__}")
        if not phrases:
            raise CodebookError(f"{where} ({lid}): cues for {lang!r} are empty; give at least one phrase or drop the language")
        cleaned = []
        for p in phrases:
            if not isinstance(p, str):  # str() would turn an empty YAML item into the cue "None"
                raise CodebookError(f"{where} ({lid}): cues for {lang!r} hold {p!r}, not a phrase; "
                                    "each item must be a string (drop empty '-' or '~' items, quote numbers)")
            p = p.strip()
            if not p:
                raise CodebookError(f"{where} ({lid}): empty cue phrase in {lang!r}")
            cleaned.append(p)
        cues[str(lang)] = tuple(cleaned)
    def phrase_lists(key: str) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        mapping = raw.get(key) or {}
        if not isinstance(mapping, dict):
            raise CodebookError(f"{where} ({lid}): '{key}' must map a language code to a list of phrases, "
                                f"got {type(mapping).__name__}")
        for lang, phrases in mapping.items():
            if (not isinstance(phrases, list) or not phrases
                    or not all(isinstance(p, str) and p.strip() for p in phrases)):
                raise CodebookError(f"{where} ({lid}): {key} for {lang!r} must be a non-empty list of non-empty "
                                    "phrases (strings)")
            out[str(lang)] = tuple(str(p).strip() for p in phrases)
        return out

    counter = phrase_lists("counter_cues")
    frame = phrase_lists("frame_cues")
    name = raw.get("name") or {"en": lid}
    if isinstance(name, str):
        name = {"en": name}
    if not isinstance(name, dict) or not all(isinstance(v, str) for v in name.values()):
        raise CodebookError(f"{where} ({lid}): 'name' must be a string or map a language code to a string, "
                            f"got {name!r}")
    rules = raw.get("rules") or []
    if not isinstance(rules, list) or any(_rule_number(r) is None for r in rules):
        raise CodebookError(f"{where} ({lid}): 'rules' must be a list of decision-rule numbers, e.g. [1, 6], "
                            f"got {rules!r}")
    hyp = raw.get("hypothesis") or {}
    if not isinstance(hyp, dict) or not all(isinstance(v, str) for v in hyp.values()):
        raise CodebookError(f"{where} ({lid}): 'hypothesis' must map a language code to a sentence")
    return Label(id=lid, short=str(raw.get("short") or lid), name=MappingProxyType(dict(name)),
                 definition=str(raw.get("definition") or "").strip(),
                 rules=tuple(_rule_number(r) for r in rules),
                 cues=MappingProxyType(cues), counter_cues=MappingProxyType(counter),
                 frame_cues=MappingProxyType(frame), hypothesis=MappingProxyType({str(k): str(v) for k, v in hyp.items()}))


def _implication_closure(src: str, direct: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Transitive closure of the ``implies`` rules (a→b, b→c gives a→(b, c)), so that one pass of
    :meth:`Codebook.apply_implications` yields a matrix closed under them. A cycle is refused: its
    labels would always be assigned together, i.e. one label under several names.
    """
    out: dict[str, tuple[str, ...]] = {}
    for a, targets in direct.items():
        reach: list[str] = []
        parent: dict[str, str] = {t: a for t in targets}
        queue = list(targets)
        while queue:
            t = queue.pop(0)
            if t == a:
                chain = [a]
                while chain[-1] != a or len(chain) == 1:
                    chain.append(parent[chain[-1]])
                _fail(src, f"'implies' has a cycle: {' -> '.join(reversed(chain))}; labels in a cycle would "
                           "always be assigned together; merge them or drop one rule")
            if t in reach:
                continue
            reach.append(t)
            for u in direct.get(t, ()):
                parent.setdefault(u, t)
                queue.append(u)
        out[a] = tuple(reach)
    return out


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook file (YAML or JSON); ``None`` loads the bundled v1.1.

    Raises :class:`CodebookError` with the file and field to fix on unknown fields, duplicate ids,
    empty cues, or references to labels that do not exist.
    """
    p = Path(path) if path is not None else default_codebook_path()
    if not p.exists():
        raise CodebookError(f"{p}: codebook file not found (pass --codebook PATH to a YAML or JSON codebook)")
    src = str(p)
    data = _read_raw(p)
    unknown = set(data) - _TOP_FIELDS
    if unknown:
        _fail(src, f"unknown top-level field(s) {sorted(unknown)}; allowed: {sorted(_TOP_FIELDS)}")
    for req in ("name", "version", "labels"):
        if req not in data:
            _fail(src, f"missing required field {req!r}")
    if not isinstance(data["name"], str) or not data["name"].strip():
        _fail(src, f"'name' must be a non-empty string, got {data['name']!r}")
    if not isinstance(data["labels"], list) or not data["labels"]:
        _fail(src, "'labels' must be a non-empty list")
    seen: set[str] = set()
    labels = tuple(_validate_label(src, i, raw, seen) for i, raw in enumerate(data["labels"]))
    ids = [lab.id for lab in labels]

    def check_ref(lid: str, what: str) -> str:
        if lid not in ids:
            _fail(src, f"{what} refers to unknown label {lid!r}; known: {', '.join(ids)}")
        return lid

    def id_list(value: object, what: str) -> tuple[str, ...]:
        # a single id is read as a one-element list (iterating it would check each character)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            _fail(src, f"{what} must be a label id or a list of label ids, got {type(value).__name__}")
        return tuple(check_ref(t, what) for t in value)

    def mapping(key: str, expected: str) -> dict:
        value = data.get(key) or {}
        if not isinstance(value, dict):
            _fail(src, f"'{key}' must be a mapping {expected}, got {type(value).__name__}")
        return value

    story = id_list(data.get("storytelling") or (), "'storytelling'")
    ctx = data.get("context_label")
    if ctx is not None:
        check_ref(ctx, "'context_label'")
    direct = {}
    for k, v in mapping("implies", "from a label id to the label id(s) it implies, e.g. {generosity: [covid]}").items():
        check_ref(k, "'implies'")
        direct[k] = id_list(v or (), f"'implies.{k}'")
    implies = _implication_closure(src, direct)
    silk = {}
    for k, v in mapping("silk_road", "with keys 'health' and/or 'digital' naming a label id").items():
        if k not in ("health", "digital"):
            _fail(src, f"'silk_road' keys must be 'health' and/or 'digital', got {k!r}")
        silk[k] = check_ref(v, f"'silk_road.{k}'")
    rules = {}
    for k, v in mapping("rules", "from a decision-rule number to its text, e.g. {1: ...}").items():
        if _rule_number(k) is None or not isinstance(v, str):
            _fail(src, f"'rules' must map a decision-rule number to its text, got {k!r}: {v!r}")
        rules[_rule_number(k)] = v
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    return Codebook(name=str(data["name"]), version=str(data["version"]),
                    description=str(data.get("description") or "").strip(), labels=labels,
                    storytelling=story, context_label=ctx, implies=MappingProxyType(implies),
                    silk_road=MappingProxyType(silk), rules=MappingProxyType(rules),
                    source=src, sha256=digest)
