"""Coder-vs-coder and model-vs-coder agreement, side by side per label.

The question a reviewer asks: does the model agree with each human coder as well as the coders
agree with each other? For every pair (coder vs coder, model vs each coder) this module reports
Cohen's kappa, Krippendorff's alpha and the F1 of the second against the first, per label and
overall, on the same documents, with bootstrap CIs from shared resamples.

Coder matrices may mark documents a coder did not code with ``-1`` rows; each comparison then
uses the documents coded by everyone compared (all coders and the model), so every column of a
table describes the same documents.
"""
from __future__ import annotations

from itertools import combinations
from typing import Mapping, Sequence

import numpy as np

from nlp.evaluation.bootstrap import bootstrap_scores, resample_weights
from nlp.evaluation.metrics import as_multilabel, cohen_kappa, krippendorff_alpha

__all__ = ["pair_agreement", "coder_comparison"]


def pair_agreement(A: np.ndarray, B: np.ndarray, label_ids: Sequence[str]) -> dict:
    """Agreement of coding ``B`` with reference coding ``A`` (both (n_docs, n_labels) 0/1).

    Returns ``{"per_label": {label: {"kappa", "alpha", "f1"}}, "overall": {"alpha", "macro_f1", "micro_f1"}}``.
    F1 treats ``A`` as the reference (it is symmetric in A and B anyway for a single label).
    """
    from sklearn.metrics import f1_score

    A = np.asarray(A).astype(int)
    B = np.asarray(B).astype(int)
    L = len(label_ids)
    Am, Bm = as_multilabel(A, B)  # one label: score the label, not the class "absent"
    f1 = f1_score(Am, Bm, labels=list(range(L)), average=None, zero_division=0) if len(A) else np.zeros(L)
    per = {lid: {"kappa": cohen_kappa(A[:, j], B[:, j]), "alpha": krippendorff_alpha(A[:, j], B[:, j]),
                 "f1": float(f1[j])} for j, lid in enumerate(label_ids)}
    kw = {"labels": list(range(L)), "zero_division": 0}
    overall = {"alpha": krippendorff_alpha(A, B),
               "macro_f1": float(f1_score(Am, Bm, average="macro", **kw)) if len(A) else 0.0,
               "micro_f1": float(f1_score(Am, Bm, average="micro", **kw)) if len(A) else 0.0}
    return {"per_label": per, "overall": overall}


def coder_comparison(Y_model: np.ndarray | None, coders: Mapping[str, np.ndarray], label_ids: Sequence[str], *,
                     model_name: str = "model", n_boot: int = 1000, seed: int = 0) -> dict | None:
    """Side-by-side agreement table: every coder pair and the model against each coder.

    Parameters
    ----------
    Y_model : (n_docs, n_labels) 0/1 model predictions, or None for coder-vs-coder only
    coders : {coder name: (n_docs, n_labels) matrix}, rows of -1 where a coder did not code a document
    label_ids : codebook label order
    n_boot, seed : bootstrap settings (the same resamples serve every pair)

    Returns
    -------
    None when there are no coders; else ``{"n_docs", "pairs": [{"a", "b", "kind", "per_label",
    "overall", "ci"}], "table": [{"label", "<a> vs <b> kappa", ...}]}``; ``ci`` holds the intervals and
    ``n_used``, the replicates behind each (undefined ones are left out).
    """
    if not coders:
        return None
    names = sorted(coders)
    mats = {n: np.asarray(coders[n]) for n in names}
    coded = np.ones(len(next(iter(mats.values()))), dtype=bool)
    for m in mats.values():
        coded &= (m >= 0).all(axis=1)
    if Y_model is not None:
        mats[model_name] = np.asarray(Y_model)
    idx = np.flatnonzero(coded)
    pairs = [(a, b, "coders") for a, b in combinations(names, 2)]
    if Y_model is not None:
        pairs += [(c, model_name, "model") for c in names]
    W = resample_weights(len(idx), n_boot, seed) if len(idx) else None
    out_pairs = []
    for a, b, kind in pairs:
        A, B = mats[a][idx], mats[b][idx]
        res = pair_agreement(A, B, label_ids)
        res.update({"a": a, "b": b, "kind": kind})
        if W is not None:
            ci = bootstrap_scores(A, B, label_ids, weights=W, seed=seed)
            res["ci"] = {"per_label": {lid: {k: ci["per_label"][lid][k] for k in ("kappa", "alpha", "f1")}
                                       for lid in label_ids},
                         "overall": {"alpha": ci["overall"]["alpha_overall"],
                                     "macro_f1": ci["overall"]["macro_f1"],
                                     "micro_f1": ci["overall"]["micro_f1"]},
                         # replicates behind each interval (undefined ones are left out)
                         "n_used": {"per_label": {lid: {k: ci["n_used"]["per_label"][lid][k]
                                                        for k in ("kappa", "alpha", "f1")} for lid in label_ids},
                                    "overall": {"alpha": ci["n_used"]["overall"]["alpha_overall"],
                                                "macro_f1": ci["n_used"]["overall"]["macro_f1"],
                                                "micro_f1": ci["n_used"]["overall"]["micro_f1"]}}}
        out_pairs.append(res)
    table = []
    for lid in label_ids:
        row = {"label": lid}
        for p in out_pairs:
            for stat in ("kappa", "alpha", "f1"):
                row[f"{p['a']} vs {p['b']} {stat}"] = p["per_label"][lid][stat]
        table.append(row)
    return {"n_docs": int(len(idx)), "coders": names, "pairs": out_pairs, "table": table}
