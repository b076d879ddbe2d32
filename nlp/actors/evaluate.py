"""Score extracted actor/partner/format/sister-city codes against hand codes (pure function)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

__all__ = ["evaluate_extraction", "evaluate_gold", "format_report"]


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def _actor_name(v: Any) -> str | None:
    if isinstance(v, Mapping):
        v = v.get("name")
    return v.strip().casefold() if isinstance(v, str) and v.strip() else None


def _names(v: Any) -> set[str]:
    out = set()
    for x in v or []:
        n = _actor_name(x)
        if n:
            out.add(n)
    return out


def evaluate_extraction(gold_records: Iterable[Mapping[str, Any]],
                        predicted: Iterable[Mapping[str, Any]]) -> dict:
    """Micro precision/recall/F1 of partner (ISO3) and actor sets; accuracy of actor, format, sister city.

    Parameters
    ----------
    gold_records : iterable of dict
        ``id`` plus hand codes ``actors`` (names), ``actor`` (name or null), ``partners``
        (ISO3 list), ``format`` (bilateral/multilateral/null), ``sister_city`` (true/false/null).
    predicted : iterable of dict
        ``id`` plus the same fields as produced by :func:`nlp.actors.extract_fields` (or
        :func:`nlp.actors.extract`: actor dicts are read by their ``name``).

    Returns
    -------
    dict
        ``n``; ``partners`` and ``actors`` ({precision, recall, f1, tp, fp, fn}, set-based and
        micro-averaged over documents); ``actor_accuracy``, ``format_accuracy``,
        ``sister_city_accuracy`` (null counts as a value: gold null vs predicted false is an error);
        ``missing_predictions`` (gold ids without a prediction, scored as empty predictions).

    Examples
    --------
    >>> g = [{"id": "a", "actor": "Chengdu", "actors": ["Chengdu"], "partners": ["POL"], "format": "bilateral", "sister_city": True}]
    >>> p = [{"id": "a", "actor": "Chengdu", "actors": ["Chengdu"], "partners": ["POL", "DEU"], "format": "multilateral", "sister_city": True}]
    >>> r = evaluate_extraction(g, p)
    >>> round(r["partners"]["precision"], 2), r["partners"]["recall"], r["format_accuracy"]
    (0.5, 1.0, 0.0)
    """
    pred = {str(p["id"]): p for p in predicted}
    gold = list(gold_records)
    if not gold:
        raise ValueError("no gold records to evaluate")
    ptp = pfp = pfn = atp = afp = afn = 0
    actor_ok = fmt_ok = sis_ok = 0
    missing = []
    for g in gold:
        gid = str(g["id"])
        p = pred.get(gid)
        if p is None:
            missing.append(gid)
            p = {}
        gp, pp = set(g.get("partners") or []), set(p.get("partners") or [])
        ptp += len(gp & pp)
        pfp += len(pp - gp)
        pfn += len(gp - pp)
        ga, pa = _names(g.get("actors")), _names(p.get("actors"))
        atp += len(ga & pa)
        afp += len(pa - ga)
        afn += len(ga - pa)
        actor_ok += _actor_name(g.get("actor")) == _actor_name(p.get("actor"))
        fmt_ok += (g.get("format") or None) == (p.get("format") or None)
        sis_ok += g.get("sister_city") == p.get("sister_city")
    n = len(gold)
    return {"n": n, "partners": _prf(ptp, pfp, pfn), "actors": _prf(atp, afp, afn),
            "actor_accuracy": actor_ok / n, "format_accuracy": fmt_ok / n,
            "sister_city_accuracy": sis_ok / n, "missing_predictions": missing}


def format_report(res: Mapping[str, Any]) -> str:
    """A short plain-text report of :func:`evaluate_extraction` results."""
    lines = [f"documents: {res['n']}"]
    for k in ("partners", "actors"):
        m = res[k]
        lines.append(f"{k:<10} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                     f"(tp={m['tp']} fp={m['fp']} fn={m['fn']})")
    for k in ("actor_accuracy", "format_accuracy", "sister_city_accuracy"):
        lines.append(f"{k:<21} {res[k]:.3f}")
    if res.get("missing_predictions"):
        lines.append(f"missing predictions: {len(res['missing_predictions'])}")
    return "\n".join(lines)


def evaluate_gold(path, gazetteer, *, development: str = "m49-2020") -> tuple[dict, list[dict]]:
    """Read a gold JSONL (``id``, ``text`` + hand codes), extract every text, score it.

    Returns ``(results, predictions)``; predictions are the :func:`extract_fields` dicts with ``id``.
    """
    from nlp.actors.crosstab import read_table
    from nlp.actors.extract import extract_fields

    gold = list(read_table(path))
    for i, g in enumerate(gold, start=1):
        for f in ("id", "text"):
            if not g.get(f):
                raise ValueError(f"{path}: record {i} has no {f!r} field")
    preds = [{"id": g["id"], **extract_fields(g["text"], gazetteer, development=development)} for g in gold]
    return evaluate_extraction(gold, preds), preds
