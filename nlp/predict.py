"""Small-input prediction: documents + model → one output record per document, and a table view.

The record schema is the one ``silkframe tag`` writes (see :mod:`nlp.tagging`).
"""
from __future__ import annotations

from itertools import repeat
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.codebook import Codebook

__all__ = ["predict_records", "make_records", "render_table"]


def make_records(docs: Sequence, P: np.ndarray, Yhat: np.ndarray, codebook: Codebook, *, model_name: str,
                 keep: Sequence[str] = ("date", "source", "title")) -> list[dict]:
    """Output records: id, kept fields, detected language, labels, Silk Road category, storytelling flag, probabilities."""
    from nlp.text import detect_lang

    cats = codebook.silk_road_category(Yhat).tolist() if len(Yhat) else []
    story = codebook.storytelling_flag(Yhat).tolist() if len(Yhat) else []
    label_ids = codebook.label_ids
    labels = [[lid for lid, v in zip(label_ids, row) if v] for row in np.asarray(Yhat).tolist()]
    probs = np.asarray(P).tolist()  # Python floats (float(p) of each value), converted at C speed
    keep = tuple(keep)
    out = []
    append = out.append
    for d, lab, cat, st, p in zip(docs, labels, cats, story, probs):
        rec = {"id": d.id}
        for k in keep:
            v = getattr(d, k, None)
            if v is None:
                v = d.meta.get(k)
            rec[k] = v
        rec["lang"] = detect_lang(d.text)
        rec["labels"] = lab
        rec["silk_road"] = str(cat)
        rec["storytelling"] = bool(st)
        rec["probs"] = dict(zip(label_ids, map(round, p, repeat(4))))
        rec["model"] = model_name
        append(rec)
    return out


def predict_records(docs: Sequence, model_dir: str | Path, *, codebook: Codebook | None = None) -> list[dict]:
    """Load ``model_dir`` and tag ``docs``."""
    from nlp.classifiers import load_model

    model = load_model(model_dir, codebook=codebook)
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
