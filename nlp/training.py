"""Training a model folder from hand-coded files, with the cross-validated figures its card reports.

``train_model`` reads one or more gold files, balances genres (ministry answers, local news,
tweets, commentaries) so that none drowns the others, fits the chosen family, and — when asked —
cross-validates the *whole* training procedure (every fold refits features, calibration and
thresholds) to report per-label, per-language, per-genre and cross-genre results next to the human
ceiling (coder A vs coder B). All figures in a card come from this code path.
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.codebook import Codebook, load_codebook

__all__ = ["genre_of", "genre_weights", "load_training_data", "cross_validate", "score", "train_model",
           "human_agreement", "GENRE_OF_SOURCE", "measure_startup", "parallel_groups"]

log = logging.getLogger(__name__)

#: source field → genre used for balancing and cross-genre evaluation
GENRE_OF_SOURCE = {
    "fmprc_press_conference": "ministry",
    "mfa_press": "ministry",
    "local_fao": "local",
    "diplomat_tweet": "tweets",
    "embassy": "tweets",
    "peoples_daily_commentary": "commentary",
}


def genre_of(doc) -> str:
    src = (getattr(doc, "source", None) or "").strip()
    return GENRE_OF_SOURCE.get(src, src or "other")


def genre_weights(genres: Sequence[str], *, power: float = 0.5) -> tuple[np.ndarray, dict[str, float]]:
    """Per-document weights so each genre's total weight is ∝ n_genre^(1-power) (mean weight 1).

    ``power=0`` keeps raw counts, ``power=1`` gives every genre equal total weight.
    """
    counts = Counter(genres)
    raw = {g: (1.0 / c) ** power for g, c in counts.items()}
    w = np.array([raw[g] for g in genres], dtype=float)
    scale = len(w) / w.sum() if len(w) else 1.0
    return w * scale, {g: round(raw[g] * scale, 3) for g in sorted(raw)}



def load_training_data(paths: Sequence[str | Path], codebook: Codebook):
    """Read gold files → (docs, Y, coders, summary). Coder matrices are kept only if every file has them."""
    from nlp.corpus import file_sha256, read_gold

    docs, Ys, coder_parts, files = [], [], [], []
    for p in paths:
        d, Y, coders = read_gold(p, codebook)
        for doc in d:
            doc.meta["_train_file"] = Path(p).name
        docs += d
        Ys.append(Y)
        coder_parts.append(coders)
        files.append({"path": str(p), "n_docs": len(d), "sha256": file_sha256(p)})
    Y = np.vstack(Ys) if Ys else np.zeros((0, codebook.n_labels), dtype=np.int8)
    common = set.intersection(*(set(c) for c in coder_parts)) if coder_parts else set()
    coders = {k: np.vstack([c[k] for c in coder_parts]) for k in sorted(common)}
    langs = [d.lang or "unknown" for d in docs]
    summary = {
        "files": files,
        "docs_by_lang": dict(Counter(langs)),
        "docs_by_genre": dict(Counter(genre_of(d) for d in docs)),
        "positives_by_lang": {lg: {lid: int(Y[np.array(langs) == lg, j].sum()) for j, lid in enumerate(codebook.label_ids)}
                              for lg in sorted(set(langs))},
    }
    return docs, Y, coders, summary


def score(Y: np.ndarray, Yp: np.ndarray, labels: Sequence[str]) -> dict:
    """Per-label precision/recall/F1/support and micro/macro F1, rounded for model cards.

    Built on :func:`nlp.evaluation.metrics.per_label_metrics`; unlike its macro average, labels with
    no gold positive and no prediction (e.g. R3 among tweets) are left out of the macro here, so that
    per-genre figures are not dragged down by labels a genre never has.
    """
    from nlp.evaluation.metrics import overall_metrics, per_label_metrics

    rows = per_label_metrics(Y, Yp, labels)
    present = [r for r in rows if r["support"] or r["predicted"]]
    return {
        "n_docs": int(len(Y)),
        "per_label": {r["label"]: {"precision": round(r["precision"], 4), "recall": round(r["recall"], 4),
                                   "f1": round(r["f1"], 4), "support": r["support"]} for r in rows},
        "macro_f1": round(float(np.mean([r["f1"] for r in present])), 4) if present else None,
        "micro_f1": round(overall_metrics(Y, Yp)["micro_f1"], 4),
    }


def human_agreement(A: np.ndarray, B: np.ndarray, labels: Sequence[str]) -> dict:
    """Coder B against coder A: F1 and Cohen's kappa per label (the human ceiling), via
    :func:`nlp.evaluation.agreement.pair_agreement`; an undefined kappa is ``None``."""
    from nlp.evaluation.agreement import pair_agreement

    per = pair_agreement(A, B, labels)["per_label"]
    out = {lid: {"f1": round(per[lid]["f1"], 4),
                 "kappa": None if np.isnan(per[lid]["kappa"]) else round(per[lid]["kappa"], 4)}
           for lid in labels}
    out["macro_f1"] = score(A, B, labels)["macro_f1"]
    return out


def parallel_groups(docs: Sequence) -> list[str]:
    """Fold groups ``source|date``: the Chinese and English versions of one press conference
    (published the same day) always fall in the same fold, so a translation never leaks."""
    return [f"{getattr(d, 'source', '')}|{getattr(d, 'date', '') or getattr(d, 'id', '')}" for d in docs]


def cross_validate(make_model, docs: Sequence, Y: np.ndarray, *, k: int = 5, seed: int = 0,
                   sample_weight: np.ndarray | None = None, groups: Sequence | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities and decisions; each fold refits ``make_model()`` from scratch.

    ``groups`` (default :func:`parallel_groups`) keeps related documents in one fold.
    """
    from nlp.evaluation.cv import cross_val_predict_proba

    return cross_val_predict_proba(make_model, docs, Y, k=k, seed=seed,
                                   groups=parallel_groups(docs) if groups is None else groups,
                                   sample_weight=sample_weight)


def _cross_genre(make_model, docs, Y, genres: np.ndarray, labels, *, k: int, seed: int) -> dict:
    """Macro-F1 for models trained on one genre and tested on another (CV on the diagonal)."""
    out: dict[str, dict[str, float | None]] = {}
    names = [g for g, c in Counter(genres).most_common() if c >= 40]
    for g in names:
        row = {}
        tr = np.flatnonzero(genres == g)
        _, Yp_cv = cross_validate(make_model, [docs[i] for i in tr], Y[tr], k=k, seed=seed)
        row[g] = score(Y[tr], Yp_cv, labels)["macro_f1"]
        m = make_model().fit([docs[i] for i in tr], Y[tr])
        for h in names:
            if h == g:
                continue
            te = np.flatnonzero(genres == h)
            row[h] = score(Y[te], m.predict([docs[i] for i in te]), labels)["macro_f1"]
        out[g] = row
    return out


def train_model(family: str, train_paths: Sequence[str | Path], out: str | Path, *, codebook: Codebook | None = None,
                settings: dict | None = None, cv: int = 0, seed: int = 0, genre_power: float = 0.5,
                cross_genre: bool = False, name: str | None = None, command: str | None = None):
    """Fit ``family`` on ``train_paths`` and write the model folder ``out``.

    Parameters
    ----------
    cv : int
        If > 1, also cross-validate the whole procedure with ``cv`` folds and put the figures
        (per label, by language, by genre, human ceiling) into the model card.
    genre_power : float
        Genre balancing strength (see :func:`genre_weights`).
    cross_genre : bool
        Also compute the train-genre × test-genre macro-F1 matrix.
    command : str
        The command line that reproduces this model (recorded in the card).

    ``out`` is written only once training has succeeded: the model is built in a hidden sibling
    folder and then takes ``out``'s place. An existing model folder there is replaced whole (no
    stale files of another family remain); any other existing non-empty folder or file is refused.
    """
    from nlp.classifiers import get_family

    out = Path(out)
    _check_train_out(out)
    _sweep_stale_work(out)
    cls = get_family(family)
    if settings is not None and not isinstance(settings, dict):
        raise ValueError(f"settings must be a JSON object (name: value), got {type(settings).__name__}")
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(cls._param_names()) | ({"codebook"} & set(settings)))
    if unknown:
        raise ValueError(f"family {family!r} has no setting {', '.join(map(repr, unknown))}; its settings are "
                         f"{', '.join(p for p in cls._param_names() if p != 'codebook')}")
    cb = codebook or load_codebook()
    docs, Y, coders, summary = load_training_data(train_paths, cb)
    if not docs:
        raise ValueError(f"no training documents in {', '.join(map(str, train_paths))}")
    if cv and cv > 1 and cv > len(docs):
        raise ValueError(f"--cv {cv} needs at least {cv} training documents, got {len(docs)}")
    genres = np.array([genre_of(d) for d in docs])
    w, gw = genre_weights(genres, power=genre_power)
    summary["genre_weights"] = gw
    supports_weights = family in ("linear",)

    def make():
        return cls(codebook=cb, **settings)

    cv_report = None
    labels = list(cb.label_ids)
    if cv and cv > 1:
        t0 = time.perf_counter()
        P, Yp = cross_validate(make, docs, Y, k=cv, seed=seed, sample_weight=w if supports_weights else None)
        cv_report = score(Y, Yp, labels) | {"k": cv, "seed": seed}
        langs = np.array([d.lang or "unknown" for d in docs])
        cv_report["by_lang"] = {lg: score(Y[langs == lg], Yp[langs == lg], labels) for lg in sorted(set(langs))}
        cv_report["by_genre"] = {g: score(Y[genres == g], Yp[genres == g], labels) for g in sorted(set(genres))}
        if len(train_paths) > 1:
            fnames = np.array([d.meta.get("_train_file", "") for d in docs])
            cv_report["by_file"] = {f: score(Y[fnames == f], Yp[fnames == f], labels) for f in sorted(set(fnames))}
        if coders and {"coder_a", "coder_b"} <= set(coders):
            cv_report["human"] = human_agreement(coders["coder_a"], coders["coder_b"], labels)
        if cross_genre:
            cv_report["cross_genre"] = _cross_genre(make, docs, Y, genres, labels, k=cv, seed=seed)
        cv_report["seconds"] = round(time.perf_counter() - t0, 1)
        if command:
            cv_report["command"] = command
        log.info("cross-validated macro-F1 %.3f (%d folds, %.0fs)", cv_report["macro_f1"] or 0, cv, cv_report["seconds"])

    t0 = time.perf_counter()
    model = make()
    model.fit(docs, Y, **({"sample_weight": w} if supports_weights else {}))
    fit_s = time.perf_counter() - t0
    model.name_ = name or Path(out).name
    model.training_ = dict(getattr(model, "training_", {}) or {})
    model.training_["data"] = summary
    model.training_["seed"] = seed
    model.training_["performance"] = {"fit_seconds_full_data": round(fit_s, 1)}
    if cv_report:
        model.training_["cv"] = cv_report
    if hasattr(model, "top_features"):
        model.training_["top_features"] = {lid: model.top_features(lid, 12) for lid in labels}
    work = _work_folder(out, "training")
    shutil.rmtree(work, ignore_errors=True)
    try:
        model.save(work)
        bundled = cb.sha256 == load_codebook().sha256
        perf = model.training_["performance"]
        perf.update(measure_startup(work, shown=out, codebook=None if bundled else work / "codebook.yaml"))
        model.save(work)  # again, with the measured start-up time in config.json and the card
        _replace_folder(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return model


def _is_model_folder(path: Path) -> bool:
    """Does ``path`` hold a Silkframe ``config.json`` (a broken model folder counts: it may be replaced)?"""
    import json as _json

    try:
        return _json.loads((path / "config.json").read_text(encoding="utf-8")).get("format") == "silkframe-model"
    except (OSError, ValueError, AttributeError):
        return False


def _work_folder(out: Path, kind: str, pid: int | None = None) -> Path:
    """The hidden sibling of ``out`` a training process ``pid`` works in (``kind`` ``training``)
    or parks the model it replaces in (``replaced``); :func:`_sweep_stale_work` parses the name."""
    return out.with_name(f".{out.name}.{kind}-{os.getpid() if pid is None else pid}")


def _check_train_out(out: Path) -> None:
    """``out`` must be new, empty, or a model folder (which training replaces)."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a folder for the model")
    if out.is_dir() and any(out.iterdir()) and not _is_model_folder(out):
        raise ValueError(f"--out {out} is a folder that holds other files, not a Silkframe model folder; "
                         f"choose a new or empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"cannot create the folder {out.parent}: {e.strerror or e}") from None


def _sweep_stale_work(out: Path) -> None:
    """Remove work folders of earlier trainings of ``out`` whose process is gone (killed by
    SIGTERM or -9 before it could clean up)."""
    for d in out.parent.glob(f".{out.name}.*-*"):
        kind, _, pid = d.name[len(out.name) + 2:].rpartition("-")
        if not pid.isdigit() or d != _work_folder(out, kind, int(pid)) or kind not in ("training", "replaced") \
                or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
            log.info("removed %s, left by an interrupted training", d)
        except PermissionError:
            pass  # another user's live process


def _replace_folder(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is, replacing a previous model folder (renames, so ``out`` is
    never half written)."""
    if out.exists():
        old = _work_folder(out, "replaced")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old, ignore_errors=True)
        log.info("replaced the model folder %s", out)
    else:
        new.rename(out)


def measure_startup(model_dir: str | Path, *, repeats: int = 3, shown: str | Path | None = None,
                    codebook: str | Path | None = None) -> dict:
    """Wall time of ``silkframe predict`` on one document in a fresh process (median of ``repeats``),
    and of a bare ``python -c pass`` for comparison — the cold start a CLI user waits for.

    ``shown``: the folder named in the recorded command (default ``model_dir``); ``codebook``:
    passed as ``--codebook`` (a model trained on another codebook needs it). A failed measurement
    is logged and left out rather than failing the training that preceded it."""
    import json as _json
    import statistics
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as td:
        doc = Path(td) / "one.jsonl"
        doc.write_text(_json.dumps({"id": "x", "text": "中方向友好城市捐赠了口罩。"}, ensure_ascii=False) + "\n", encoding="utf-8")

        def timed(args) -> float:
            t0 = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            return time.perf_counter() - t0

        cb_args = ["--codebook", str(codebook)] if codebook else []
        try:
            cli = [timed([sys.executable, "-m", "nlp", "predict", "--model", str(model_dir), *cb_args, str(doc)])
                   for _ in range(repeats)]
        except subprocess.CalledProcessError as e:
            log.warning("start-up time not measured: `silkframe predict` failed (%s)",
                        (e.stderr or b"").decode("utf-8", "replace").strip()[-300:])
            return {}
        bare = [timed([sys.executable, "-c", "pass"]) for _ in range(repeats)]
    shown_cb = " --codebook " + str(Path(shown or model_dir) / "codebook.yaml") if codebook else ""
    return {"predict_startup_seconds": round(statistics.median(cli), 2),
            "python_startup_seconds": round(statistics.median(bare), 2),
            "startup_command": f"silkframe predict --model {shown or model_dir}{shown_cb} ONE_DOC.jsonl"}
