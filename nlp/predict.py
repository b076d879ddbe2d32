"""Small-input prediction: documents + model → one output record per document, and a table view.

The record schema is the one ``silkframe tag`` writes (see :mod:`nlp.tagging`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.codebook import Codebook

__all__ = ["predict_records", "make_records", "render_table", "round4"]


def round4(P) -> np.ndarray:
    """``round(float(p), 4)`` of every value, as a float64 array, computed with numpy.

    ``rint(p * 1e4) / 1e4`` is Python's correctly rounded ``round(p, 4)`` unless ``p * 1e4``
    lies within rounding error of a half (then the product's error may pick the other side)
    or ``p`` is too large for the product to be exact enough: those few values take Python's
    ``round``. (Both results are then the float nearest the same 4-decimal number: the division
    of two exact integers is correctly rounded.)
    """
    P = np.asarray(P, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = P * 1e4
        out = np.rint(scaled) / 1e4
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
        unsure = near_half | ~(np.abs(P) < 1e9)
    if unsure.any():
        idx = np.nonzero(unsure)
        out[idx] = [round(v, 4) for v in P[idx].tolist()]
    return out


#: Input field name → the :class:`nlp.corpus.Document` attribute that holds it, for ``keep``
#: (the readers move these fields out of ``Document.meta``).
DOCUMENT_FIELDS = {"date": "date", "source": "source", "title": "title", "text": "text"}
_ABSENT = object()


def make_records(docs: Sequence, P: np.ndarray, Yhat: np.ndarray, codebook: Codebook, *, model_name: str,
                 keep: Sequence[str] = ("date", "source", "title"), fields: dict[str, str] | None = None) -> list[dict]:
    """Output records: id, kept fields, detected language, labels, Silk Road category, storytelling flag, probabilities.

    A kept field is the input's own field of that name (``None`` when a record lacks it): from
    ``Document.meta``, or from the attribute the readers mapped it onto (:data:`DOCUMENT_FIELDS`,
    updated by ``fields``, e.g. ``{"published": "date"}`` for ``--date-field published``).
    """
    from nlp.text import detect_lang

    cats = [str(c) for c in codebook.silk_road_category(Yhat).tolist()] if len(Yhat) else []
    story = [bool(v) for v in codebook.storytelling_flag(Yhat).tolist()] if len(Yhat) else []
    label_ids = codebook.label_ids
    labels = [[lid for lid, v in zip(label_ids, row) if v] for row in np.asarray(Yhat).tolist()]
    probs = round4(P).tolist()
    keep = tuple(keep)
    attr_of = {**DOCUMENT_FIELDS, **(fields or {})}
    out = []
    append = out.append
    # one dict display per record (faster than item by item); key order is the schema's order
    for d, lab, cat, st, p in zip(docs, labels, cats, story, probs):
        pr = dict(zip(label_ids, p))
        if keep:
            rec = {"id": d.id}
            for k in keep:
                v = d.meta.get(k, _ABSENT)
                if v is _ABSENT:
                    attr = attr_of.get(k)
                    v = getattr(d, attr, None) if attr is not None else None
                rec[k] = v
            rec.update(lang=detect_lang(d.text), labels=lab, silk_road=cat, storytelling=st, probs=pr,
                       model=model_name)
        else:
            rec = {"id": d.id, "lang": detect_lang(d.text), "labels": lab, "silk_road": cat, "storytelling": st,
                   "probs": pr, "model": model_name}
        append(rec)
    return out


def predict_records(docs: Sequence, model_dir: str | Path, *, codebook: Codebook | None = None,
                    t2s: bool = False) -> list[dict]:
    """Load ``model_dir`` and tag ``docs`` (``t2s``: the model reads Traditional Chinese
    converted to Simplified, see :func:`nlp.corpus.to_simplified`)."""
    from nlp.classifiers import load_model

    model = load_model(model_dir, codebook=codebook)
    if t2s:
        from nlp.corpus import to_simplified

        P = model.predict_proba([to_simplified(d) for d in docs])
    else:
        P = model.predict_proba(docs)
    Yhat = model.decide(P)
    return make_records(docs, P, Yhat, model.codebook_, model_name=model.name)


def render_table(records: Sequence[dict], codebook: Codebook) -> str:
    """Fixed-width table: id, language, Silk Road category, storytelling, labels (short names)."""
    short = {lab.id: lab.short for lab in codebook.labels}
    rows = [("id", "lang", "silk road", "story", "labels")]
    for r in records:
        rows.append((str(r["id"]), r["lang"], r["silk_road"], "yes" if r["storytelling"] else "-",
                     " ".join(short[lab] for lab in r["labels"]) or "-"))
    widths = [max(len(str(row[c])) for row in rows) for c in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(str(row[c]).ljust(widths[c]) for c in range(4)) + "  " + row[4])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    n_story = sum(r["storytelling"] for r in records)
    lines.append("")
    lines.append(f"{len(records)} documents; {n_story} carry at least one storytelling theme (R1–R4)")
    return "\n".join(lines)
