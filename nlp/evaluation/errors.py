"""Error tables: false positives and false negatives per label, the table a researcher reads first.

False positives are sorted by the model's probability, most confident first (the model was sure
and wrong); false negatives by probability ascending (the model was sure the label was absent).
Without probabilities the input order is kept.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["doc_field", "snippet", "error_table"]


def doc_field(doc: Any, name: str, default: Any = None) -> Any:
    """A field of a document: attribute, mapping key, or entry of its ``meta`` dict."""
    if isinstance(doc, Mapping):
        if name in doc:
            return doc[name]
        meta = doc.get("meta")
    else:
        val = getattr(doc, name, None)
        if val is not None:
            return val
        meta = getattr(doc, "meta", None)
    if isinstance(meta, Mapping) and name in meta:
        return meta[name]
    return default


def snippet(text: str | None, n_chars: int = 200) -> str:
    """First ``n_chars`` characters of a text, whitespace collapsed, with an ellipsis when cut."""
    t = " ".join(str(text or "").split())
    return t if len(t) <= n_chars else t[: n_chars - 1].rstrip() + "…"


def error_table(docs: Sequence[Any], Y_true: np.ndarray, Y_pred: np.ndarray, label_ids: Sequence[str], *,
                P: np.ndarray | None = None, coders: Mapping[str, np.ndarray] | None = None,
                snippet_chars: int = 200, max_per_label: int | None = 50) -> dict:
    """False positives and false negatives per label.

    Returns ``{label: {"fp": [row, ...], "fn": [...], "n_fp": int, "n_fn": int}}`` where a row is
    ``{"id", "snippet", "prob", "gold": [labels], "<coder>": [labels] ...}``; lists are cut at
    ``max_per_label`` (``None``: keep all) while ``n_fp``/``n_fn`` count them all.
    """
    Y_true = np.asarray(Y_true)
    Y_pred = np.asarray(Y_pred)
    if not (len(docs) == len(Y_true) == len(Y_pred)):
        raise ValueError(f"{len(docs)} documents, {len(Y_true)} gold rows, {len(Y_pred)} prediction rows")
    coders = coders or {}

    def labels_of(row) -> list[str] | None:
        row = np.asarray(row)
        if (row < 0).any():
            return None
        return [lid for lid, v in zip(label_ids, row) if v]

    def row(i: int, j: int) -> dict:
        r = {"id": str(doc_field(docs[i], "id", i)), "snippet": snippet(doc_field(docs[i], "text", ""), snippet_chars),
             "prob": None if P is None else float(P[i, j]), "gold": labels_of(Y_true[i]),
             "pred": labels_of(Y_pred[i])}
        for name in sorted(coders):
            r[name] = labels_of(coders[name][i])
        return r

    out = {}
    for j, lid in enumerate(label_ids):
        fp = np.flatnonzero((Y_pred[:, j] == 1) & (Y_true[:, j] == 0))
        fn = np.flatnonzero((Y_pred[:, j] == 0) & (Y_true[:, j] == 1))
        if P is not None:
            fp = fp[np.argsort(-P[fp, j], kind="stable")]
            fn = fn[np.argsort(P[fn, j], kind="stable")]
        cut = slice(None) if max_per_label is None else slice(0, max_per_label)
        out[lid] = {"n_fp": int(len(fp)), "n_fn": int(len(fn)),
                    "fp": [row(i, j) for i in fp[cut]], "fn": [row(i, j) for i in fn[cut]]}
    return out
