"""Evaluation orchestration: gold and predictions in, one JSON-ready result dict out.

The CLI (``silkframe evaluate``) calls :func:`run_evaluation`, then
:func:`nlp.evaluation.report.write_report`. Library users call :func:`evaluate_model`,
:func:`evaluate_cv` or :func:`evaluate_predictions` on arrays and documents directly.

Result layout (``metrics.json`` is this dict)::

    {"meta": {codebook, gold, n_docs, seed, n_boot, ...},
     "models": [{"name", "family", "mode", "metrics", "ci", "storytelling_ci", "agreement",
                 "calibration", "errors", "breakdowns", "learning_curve", ...}, ...],
     "comparison": [{"model", "macro_f1", "macro_f1_ci", ...}, ...]}

Undefined values (kappa of a label absent from both codings) are NaN here and ``null`` in JSON.
Every ``ci`` (and ``storytelling_ci``) also holds ``n_used``: the replicates an interval rests on,
fewer than ``n_boot`` where the statistic is undefined in some resamples (see
:mod:`nlp.evaluation.bootstrap`).
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from nlp.evaluation.agreement import coder_comparison
from nlp.evaluation.bootstrap import bootstrap_binary, bootstrap_scores, resample_weights
from nlp.evaluation.calibration import calibration_report
from nlp.evaluation.errors import doc_field, error_table
from nlp.evaluation.metrics import check_binary, evaluate_arrays

__all__ = ["EvaluationInputError", "Predictions", "load_predictions", "align_predictions", "load_gold",
           "parallel_groups", "breakdowns", "evaluate_predictions", "evaluate_model", "evaluate_cv",
           "comparison_table", "run_evaluation", "to_jsonable"]

_SHOW_IDS = 5


class EvaluationInputError(ValueError):
    """Gold or prediction input that cannot be evaluated; the message names the file, line, ids."""


@dataclass(frozen=True)
class Predictions:
    """Predictions read from a file: ids, binary matrix and optional probabilities (codebook order)."""

    ids: list[str]
    Y: np.ndarray
    P: np.ndarray | None
    path: str


def _first(items: Sequence[str]) -> str:
    items = list(items)
    more = f" (and {len(items) - _SHOW_IDS} more)" if len(items) > _SHOW_IDS else ""
    return ", ".join(repr(x) for x in items[:_SHOW_IDS]) + more


# ---- reading ------------------------------------------------------------------------------------
def _unknown_label_error(path: str, where: str, labels: Sequence[str], codebook) -> EvaluationInputError:
    return EvaluationInputError(
        f"{path}: {where}: unknown label(s) {_first(labels)}; codebook {codebook.name} v{codebook.version} "
        f"has: {', '.join(codebook.label_ids)}")


def _prob(path: str, where: str, value: Any) -> float:
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise EvaluationInputError(f"{path}: {where}: probability {value!r} is not a number") from None
    if not 0.0 <= p <= 1.0 or math.isnan(p):
        raise EvaluationInputError(f"{path}: {where}: probability {p} is outside [0, 1]")
    return p


def _read_jsonl_predictions(path: Path, codebook) -> tuple[list[str], list[list[str]], list[dict | None]]:
    ids, labels, probs = [], [], []
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"line {lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise EvaluationInputError(f"{path}: {where}: invalid JSON ({e.msg}); each line must be one object") from None
            if not isinstance(rec, dict) or rec.get("id") in (None, ""):
                raise EvaluationInputError(f"{path}: {where}: each record needs an 'id' field")
            labs = rec.get("labels")
            if not isinstance(labs, list):
                raise EvaluationInputError(f"{path}: {where} (id {rec['id']!r}): 'labels' must be a list of label ids")
            bad = [str(x) for x in labs if x not in codebook.label_ids]
            if bad:
                raise _unknown_label_error(str(path), f"{where} (id {rec['id']!r}) 'labels'", bad, codebook)
            pr = rec.get("probs")
            if pr is not None:
                if not isinstance(pr, dict):
                    raise EvaluationInputError(f"{path}: {where}: 'probs' must map label ids to probabilities")
                bad = [str(k) for k in pr if k not in codebook.label_ids]
                if bad:
                    raise _unknown_label_error(str(path), f"{where} (id {rec['id']!r}) 'probs'", bad, codebook)
                missing = [k for k in codebook.label_ids if k not in pr]
                if missing:
                    raise EvaluationInputError(f"{path}: {where} (id {rec['id']!r}): 'probs' lacks {_first(missing)}; "
                                               "give a probability for every label or leave 'probs' out")
                pr = {k: _prob(str(path), f"{where} probs[{k!r}]", v) for k, v in pr.items()}
            ids.append(str(rec["id"]))
            labels.append([str(x) for x in labs])
            probs.append(pr)
    return ids, labels, probs


def _split_labels(value: Any) -> list[str]:
    """Label ids of one ``labels`` cell: ``;``-joined in tag's CSV, a list in its Parquet."""
    if value is None:
        return []
    if isinstance(value, str):
        return [x.strip() for x in value.split(";") if x.strip()]
    return [str(x).strip() for x in value if str(x).strip()]


def _cell(value: Any) -> str:
    """A CSV-like string for a table cell (Parquet cells are typed; ``True`` counts as ``1``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    return str(value).strip()


def _table_predictions(path: Path, cols: Sequence[str], rows: Sequence[Mapping[str, Any]], codebook,
                       kind: str) -> tuple[list[str], np.ndarray | None, np.ndarray | None]:
    """Ids, 0/1 matrix and probabilities from CSV or Parquet rows (``kind`` names the format).

    Decided labels come from 0/1 ``<label>`` columns, else from the ``labels`` column that
    ``silkframe tag`` writes; only when neither is there does the caller threshold ``p_<label>``.
    """
    if "id" not in cols:
        raise EvaluationInputError(f"{path}: {kind} predictions need an 'id' column (found: {', '.join(cols) or 'none'})")
    bad = [c[2:] for c in cols if c.startswith("p_") and c[2:] not in codebook.label_ids]
    if bad:
        raise _unknown_label_error(str(path), "columns p_<label>", bad, codebook)
    ids_l = list(codebook.label_ids)
    have_p = [f"p_{k}" in cols for k in ids_l]
    have_y = [k in cols for k in ids_l]
    use_labels = "labels" in cols and not any(have_y)
    if any(have_p) and not all(have_p):
        raise EvaluationInputError(f"{path}: missing probability columns {_first([f'p_{k}' for k, h in zip(ids_l, have_p) if not h])}")
    if any(have_y) and not all(have_y):
        raise EvaluationInputError(f"{path}: missing 0/1 label columns {_first([k for k, h in zip(ids_l, have_y) if not h])}")
    if not any(have_p) and not any(have_y) and not use_labels:
        raise EvaluationInputError(f"{path}: no prediction columns; give a 'labels' column, 'p_<label>' probabilities "
                                   f"and/or 0/1 '<label>' columns for labels {', '.join(ids_l)}")
    ids, Y, P = [], [], []
    for r_i, row in enumerate(rows, 1):
        where = f"row {r_i}"
        if not _cell(row.get("id")):
            raise EvaluationInputError(f"{path}: {where}: empty 'id'")
        ids.append(_cell(row["id"]))
        if all(have_y):
            vals = []
            for k in ids_l:
                v = _cell(row.get(k))
                if v not in ("0", "1"):
                    raise EvaluationInputError(f"{path}: {where} (id {ids[-1]!r}): column {k!r} must be 0 or 1, got {v!r}")
                vals.append(int(v))
            Y.append(vals)
        elif use_labels:
            labs = _split_labels(row.get("labels"))
            bad = [x for x in labs if x not in ids_l]
            if bad:
                raise _unknown_label_error(str(path), f"{where} (id {ids[-1]!r}) column 'labels'", bad, codebook)
            Y.append([int(k in labs) for k in ids_l])
        if all(have_p):
            P.append([_prob(str(path), f"{where} column p_{k}", row.get(f"p_{k}")) for k in ids_l])
    return ids, (np.asarray(Y, dtype=np.int8) if Y else None), (np.asarray(P, dtype=float) if P else None)


def _read_csv_predictions(path: Path, codebook) -> tuple[list[str], np.ndarray | None, np.ndarray | None]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        rows = list(reader)
    return _table_predictions(path, cols, rows, codebook, "CSV")


def _read_parquet_predictions(path: Path, codebook) -> tuple[list[str], np.ndarray | None, np.ndarray | None]:
    import pyarrow as pa  # local: keeps `import nlp` light
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise EvaluationInputError(f"{path}: cannot read as Parquet ({e})") from None
    return _table_predictions(path, table.column_names, table.to_pylist(), codebook, "Parquet")


def load_predictions(path: str | Path, codebook) -> Predictions:
    """Read predictions made elsewhere.

    Formats
    -------
    JSONL (``.jsonl``/``.json``)
        One object per line: ``{"id": ..., "labels": [label ids], "probs": {label: p}}``;
        ``probs`` is optional but, when present, must cover every label.
    CSV (``.csv``) or Parquet (``.parquet``)
        An ``id`` column and ``p_<label>`` probability columns, plus the decided labels as 0/1
        ``<label>`` columns or a ``labels`` column (``;``-joined ids in CSV, a list in Parquet),
        as ``silkframe tag --format csv|parquet`` writes them. With probabilities only, labels
        are ``p >= 0.5``.

    Raises
    ------
    EvaluationInputError
        Missing or empty file, invalid line, unknown label, duplicate ids — naming line and id.
    """
    path = Path(path)
    if not path.exists():
        raise EvaluationInputError(f"{path}: predictions file not found")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        read = _read_csv_predictions if suffix == ".csv" else _read_parquet_predictions
        ids, Y, P = read(path, codebook)
        if Y is None and P is not None:
            Y = (P >= 0.5).astype(np.int8)
    else:
        try:
            ids, labels, probs = _read_jsonl_predictions(path, codebook)
        except UnicodeDecodeError:
            raise EvaluationInputError(f"{path}: not a UTF-8 JSONL file; predictions are read from .jsonl/.json, "
                                       ".csv or .parquet files") from None
        Y = codebook.to_matrix(labels).astype(np.int8)
        with_p = [p is not None for p in probs]
        if any(with_p) and not all(with_p):
            lacking = [i for i, h in zip(ids, with_p) if not h]
            raise EvaluationInputError(f"{path}: 'probs' given for some records but not for {_first(lacking)}; "
                                       "give them for every record or for none")
        P = np.asarray([[p[k] for k in codebook.label_ids] for p in probs], dtype=float) if ids and all(with_p) else None
    if not ids:
        raise EvaluationInputError(f"{path}: no predictions in file (it is empty)")
    seen, dups = set(), []
    for i in ids:
        if i in seen:
            dups.append(i)
        seen.add(i)
    if dups:
        raise EvaluationInputError(f"{path}: duplicate ids {_first(dups)}; each document needs one prediction")
    return Predictions(ids=ids, Y=np.asarray(Y, dtype=np.int8), P=P, path=str(path))


def align_predictions(pred: Predictions, gold_ids: Sequence[str], *, gold_path: str = "gold") -> tuple[np.ndarray, np.ndarray | None]:
    """Reorder predictions to the gold documents' order; every id must match both ways.

    Raises :class:`EvaluationInputError` naming the first missing ids on either side.
    """
    gold_ids = [str(i) for i in gold_ids]
    pos = {i: k for k, i in enumerate(pred.ids)}
    missing = [i for i in gold_ids if i not in pos]
    if missing:
        raise EvaluationInputError(f"{len(missing)} gold document(s) of {gold_path} have no prediction in "
                                   f"{pred.path}: ids {_first(missing)}")
    gold_set = set(gold_ids)
    extra = [i for i in pred.ids if i not in gold_set]
    if extra:
        raise EvaluationInputError(f"{len(extra)} prediction(s) in {pred.path} match no gold document of "
                                   f"{gold_path}: ids {_first(extra)}")
    order = np.asarray([pos[i] for i in gold_ids], dtype=int)
    return pred.Y[order], (None if pred.P is None else pred.P[order])


def load_gold(path: str | Path, codebook) -> tuple[list, np.ndarray, dict]:
    """Read a gold file with :func:`nlp.corpus.read_gold`, turning its problems into
    :class:`EvaluationInputError` (also for a missing or empty file)."""
    from nlp.corpus import GoldError, read_gold

    path = Path(path)
    if not path.exists():
        raise EvaluationInputError(f"{path}: gold file not found")
    try:
        docs, Y, coders = read_gold(path, codebook)
    except GoldError as e:
        raise EvaluationInputError(str(e)) from None
    if not docs:
        raise EvaluationInputError(f"{path}: no gold documents in file (it is empty)")
    ids = [str(d.id) for d in docs]
    if len(set(ids)) != len(ids):
        seen, dups = set(), []
        for i in ids:
            if i in seen:
                dups.append(i)
            seen.add(i)
        raise EvaluationInputError(f"{path}: duplicate gold ids {_first(dups)}")
    return docs, Y, coders


def parallel_groups(docs: Sequence[Any]) -> list[str] | None:
    """Cross-validation groups keeping parallel documents together: ``source|date``.

    The Chinese and English versions of one press conference share source and date, so they land
    in the same fold and a model never sees the translation of a test document. ``None`` when
    documents carry no dates.
    """
    dates = [doc_field(d, "date") for d in docs]
    if not any(dates):
        return None
    return [f"{doc_field(d, 'source') or ''}|{dt or doc_field(d, 'id')}" for d, dt in zip(docs, dates)]


# ---- evaluation -----------------------------------------------------------------------------------
def _group_values(docs: Sequence[Any], spec: str) -> list[str]:
    fields = [f.strip() for f in spec.split("+") if f.strip()]
    out = []
    for d in docs:
        vals = []
        for f in fields:
            v = doc_field(d, f)
            vals.append("(missing)" if v in (None, "") else str(v))
        out.append(" + ".join(vals))
    return out


def breakdowns(docs: Sequence[Any], Y_true: np.ndarray, Y_pred: np.ndarray, codebook, by: Sequence[str], *,
               n_boot: int = 1000, seed: int = 0) -> dict:
    """The same metrics per group of documents, for each field in ``by``.

    ``by`` entries are record fields (``lang``, ``source``, any ``meta`` field); ``"source+lang"``
    crosses fields. Returns ``{spec: [{"group", "n_docs", "overall", "per_label", "ci"}]}`` with
    groups sorted by name.
    """
    out = {}
    for spec in by:
        vals = np.asarray(_group_values(docs, spec), dtype=object)
        if all(v.startswith("(missing)") for v in vals):
            raise EvaluationInputError(f"--by {spec}: no document has field {spec!r}; "
                                       "use a field of the gold records such as lang or source")
        rows = []
        for g in sorted(set(vals)):
            idx = np.flatnonzero(vals == g)
            m = evaluate_arrays(Y_true[idx], Y_pred[idx], codebook)
            ci = bootstrap_scores(Y_true[idx], Y_pred[idx], codebook.label_ids, n_boot=n_boot, seed=seed)
            rows.append({"group": g, "n_docs": int(len(idx)), "overall": m["overall"],
                         "per_label": m["per_label"], "storytelling": m["storytelling"], "ci": ci})
        out[spec] = rows
    return out


def _model_section(Y_true, Y_pred, P, *, codebook, docs, coders, by, n_boot, seed, name, family, mode,
                   thresholds=None, max_errors: int = 50) -> dict:
    L = codebook.n_labels
    Y_true = check_binary(Y_true, "gold labels", L)
    Y_pred = check_binary(Y_pred, f"predictions of {name}", L)
    if len(Y_true) == 0:
        raise EvaluationInputError("no documents to evaluate")
    if len(Y_pred) != len(Y_true):
        raise EvaluationInputError(f"{name}: {len(Y_pred)} prediction rows for {len(Y_true)} gold documents")
    if P is not None:
        P = np.asarray(P, dtype=float)
        if P.shape != Y_true.shape:
            raise EvaluationInputError(f"{name}: probabilities have shape {P.shape}, gold {Y_true.shape}")
    W = resample_weights(len(Y_true), n_boot, seed)
    sec = {
        "name": name, "family": family, "mode": mode,
        "metrics": evaluate_arrays(Y_true, Y_pred, codebook),
        "ci": bootstrap_scores(Y_true, Y_pred, codebook.label_ids, weights=W, seed=seed),
        "storytelling_ci": bootstrap_binary(codebook.storytelling_flag(Y_true), codebook.storytelling_flag(Y_pred),
                                            weights=W, seed=seed),
        "thresholds": None if thresholds is None else [float(t) for t in thresholds],
    }
    sec["agreement"] = coder_comparison(Y_pred, coders or {}, codebook.label_ids, model_name=name,
                                        n_boot=n_boot, seed=seed)
    sec["calibration"] = None if P is None else calibration_report(Y_true, P, codebook.label_ids,
                                                                   current_thresholds=thresholds)
    sec["errors"] = None if docs is None else error_table(docs, Y_true, Y_pred, codebook.label_ids, P=P,
                                                          coders=coders, max_per_label=max_errors)
    sec["breakdowns"] = breakdowns(docs, Y_true, Y_pred, codebook, by, n_boot=n_boot, seed=seed) if by and docs is not None else {}
    return sec


def comparison_table(models: Sequence[dict]) -> list[dict]:
    """One row per model: headline scores with CIs and per-label F1 (for ``--model A --model B``)."""
    rows = []
    for m in models:
        ov, ci = m["metrics"]["overall"], m["ci"]["overall"]
        row = {"model": m["name"], "family": m.get("family"), "mode": m.get("mode")}
        for k in ("macro_f1", "micro_f1", "weighted_f1", "subset_accuracy", "hamming_loss", "alpha_overall"):
            row[k] = ov[k]
            row[f"{k}_ci"] = ci[k]
        row["storytelling_f1"] = m["metrics"]["storytelling"]["f1"]
        row["silk_road_accuracy"] = m["metrics"]["silk_road"]["accuracy"]
        for lab in m["metrics"]["per_label"]:
            row[f"f1_{lab['label']}"] = lab["f1"]
        rows.append(row)
    return rows


def _meta(codebook, Y_true, *, seed, n_boot, by, extra) -> dict:
    from importlib import metadata

    try:
        version = metadata.version("silkframe")
    except metadata.PackageNotFoundError:
        version = None
    meta = {"codebook": {"name": codebook.name, "version": codebook.version, "sha256": codebook.sha256,
                         "labels": list(codebook.label_ids)},
            "n_docs": int(len(Y_true)), "seed": int(seed), "n_boot": int(n_boot), "by": list(by),
            "gold_label_counts": {lid: int(c) for lid, c in zip(codebook.label_ids, np.asarray(Y_true).sum(0))},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "silkframe_version": version}
    meta.update(extra or {})
    return meta


def evaluate_predictions(Y_true: np.ndarray, Y_pred: np.ndarray, P: np.ndarray | None = None, *, codebook,
                         docs: Sequence[Any] | None = None, coders: Mapping[str, np.ndarray] | None = None,
                         by: Sequence[str] = (), n_boot: int = 1000, seed: int = 0, name: str = "predictions",
                         family: str | None = None, mode: str = "predictions", thresholds=None,
                         meta: dict | None = None) -> dict:
    """Evaluate one prediction matrix (and optional probabilities) against gold.

    Returns the report dict (see module docstring) with one entry in ``models``.
    """
    sec = _model_section(Y_true, Y_pred, P, codebook=codebook, docs=docs, coders=coders, by=by, n_boot=n_boot,
                         seed=seed, name=name, family=family, mode=mode, thresholds=thresholds)
    return {"meta": _meta(codebook, Y_true, seed=seed, n_boot=n_boot, by=by, extra=meta), "models": [sec],
            "comparison": comparison_table([sec])}


def _predict(model, docs) -> tuple[np.ndarray, np.ndarray]:
    P = np.asarray(model.predict_proba(docs), dtype=float)
    Y = model.decide(P) if hasattr(model, "decide") else model.predict(docs)
    return P, np.asarray(Y).astype(np.int8)


def evaluate_model(model_or_models, docs: Sequence[Any], Y: np.ndarray, coders: Mapping[str, np.ndarray] | None = None, *,
                   codebook=None, by: Sequence[str] = (), n_boot: int = 1000, seed: int = 0,
                   meta: dict | None = None) -> dict:
    """Evaluate one or several fitted models on the same gold documents.

    Each model's probabilities come from ``predict_proba`` and its binary labels from its own
    thresholds (``decide``/``predict``). Several models give one ``comparison`` table.
    """
    models = model_or_models if isinstance(model_or_models, (list, tuple)) else [model_or_models]
    if not models:
        raise EvaluationInputError("no model to evaluate")
    if codebook is None:
        codebook = models[0].codebook_ if hasattr(models[0], "codebook_") else models[0].codebook
    sections, names = [], set()
    for m in models:
        P, Y_pred = _predict(m, docs)
        name = str(getattr(m, "name", None) or type(m).__name__)
        while name in names:
            name += "'"
        names.add(name)
        sections.append(_model_section(Y, Y_pred, P, codebook=codebook, docs=docs, coders=coders, by=by,
                                       n_boot=n_boot, seed=seed, name=name, family=getattr(m, "family", None),
                                       mode="predict", thresholds=getattr(m, "thresholds_", None)))
    return {"meta": _meta(codebook, Y, seed=seed, n_boot=n_boot, by=by, extra=meta), "models": sections,
            "comparison": comparison_table(sections)}


def evaluate_cv(make_model: Callable[[], Any], docs: Sequence[Any], Y: np.ndarray,
                coders: Mapping[str, np.ndarray] | None = None, *, codebook, k: int = 5, seed: int = 0,
                groups: Sequence | None = None, by: Sequence[str] = (), n_boot: int = 1000,
                learning_curve: bool = False, name: str = "model", family: str | None = None,
                meta: dict | None = None) -> dict:
    """Evaluate a model family by ``k``-fold cross-validation (out-of-fold predictions for every doc)."""
    from nlp.evaluation import cv

    P, Y_pred = cv.cross_val_predict_proba(make_model, docs, Y, k=k, seed=seed, groups=groups)
    sec = _model_section(Y, Y_pred, P, codebook=codebook, docs=docs, coders=coders, by=by, n_boot=n_boot,
                         seed=seed, name=name, family=family, mode=f"cv{k}")
    sec["cv"] = {"k": int(k), "seed": int(seed), "grouped": groups is not None}
    if learning_curve:
        sec["learning_curve"] = cv.learning_curve(make_model, docs, Y, k=k, seed=seed, groups=groups)
    return {"meta": _meta(codebook, Y, seed=seed, n_boot=n_boot, by=by, extra=meta), "models": [sec],
            "comparison": comparison_table([sec])}


def _factory(model=None, family: str | None = None, codebook=None) -> tuple[Callable[[], Any], str]:
    """A ``make_model`` for cross-validation: a fresh copy of ``model``'s settings, or a default ``family``."""
    from nlp.classifiers import get_family

    if model is not None:
        cls = type(model)
        settings = model.settings() if hasattr(model, "settings") else {}

        def make():
            m = cls(**settings)
            m.codebook = codebook
            return m

        return make, model.family
    cls = get_family(family)

    def make():
        m = cls()
        m.codebook = codebook
        return m

    return make, family


def run_evaluation(*, gold: str | Path, models: Sequence[str | Path] = (), predictions: str | Path | None = None,
                   cv: int | None = None, model_family: str | None = None, by: Sequence[str] = (),
                   n_boot: int = 1000, seed: int = 0, learning_curve: bool = False,
                   codebook: str | Path | None = None) -> dict:
    """Everything ``silkframe evaluate`` does before writing files; returns the report dict.

    Modes: ``predictions`` (a file made elsewhere), ``cv`` (k-fold cross-validation of
    ``model_family`` or of the family and settings of ``models[0]``, folds grouped by
    :func:`parallel_groups`), else each of ``models`` predicts the gold documents.
    """
    from nlp.codebook import load_codebook

    if learning_curve and not cv:
        raise EvaluationInputError("--learning-curve needs --cv K (it trains models by cross-validation)")
    cb = load_codebook(codebook)
    docs, Y, coders = load_gold(gold, cb)
    meta = {"gold": str(gold)}
    if predictions is not None:
        if models or cv:
            raise EvaluationInputError("--predictions evaluates a file of predictions; do not combine it with --model or --cv")
        pred = load_predictions(predictions, cb)
        Y_pred, P = align_predictions(pred, [d.id for d in docs], gold_path=str(gold))
        meta["predictions"] = str(predictions)
        return evaluate_predictions(Y, Y_pred, P, codebook=cb, docs=docs, coders=coders, by=by, n_boot=n_boot,
                                    seed=seed, name=Path(predictions).stem, meta=meta)
    from nlp.classifiers import load_model

    loaded = [load_model(m, codebook=cb) for m in models]
    if cv:
        if len(loaded) > 1:
            raise EvaluationInputError("--cv cross-validates one model family; give one --model or --model-family")
        if not loaded and not model_family:
            raise EvaluationInputError("--cv needs --model-family (e.g. linear) or a --model whose family and settings to reuse")
        make, fam = _factory(loaded[0] if loaded else None, model_family, cb)
        name = (loaded[0].name if loaded else fam)
        meta["models"] = [str(m) for m in models]
        return evaluate_cv(make, docs, Y, coders, codebook=cb, k=cv, seed=seed, groups=parallel_groups(docs),
                           by=by, n_boot=n_boot, learning_curve=learning_curve, name=f"{name} (cv{cv})",
                           family=fam, meta=meta)
    if not loaded:
        raise EvaluationInputError("nothing to evaluate: give --model DIR, --predictions FILE, or --cv K --model-family F")
    meta["models"] = [str(m) for m in models]
    return evaluate_model(loaded, docs, Y, coders, codebook=cb, by=by, n_boot=n_boot, seed=seed, meta=meta)


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy types to Python, NaN/inf to ``None`` (JSON ``null``)."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj
