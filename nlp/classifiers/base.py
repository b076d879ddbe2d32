"""The one classifier contract every model family follows, and the model-folder format.

In the spirit of scikit-learn estimators: settings are keyword-only ``__init__`` arguments stored
as given (no work done); ``fit(docs, Y)`` learns and returns ``self``; learned state lives in
attributes ending in ``_``; ``predict_proba`` returns an array of shape (n_docs, n_labels) whose
columns follow the codebook's label order; ``predict`` applies per-label thresholds.

A saved model is a folder: ``config.json`` (family, settings, label order, codebook version and
hash, thresholds, training metadata, library versions), weights in a safe format (safetensors /
JSON; never pickle), the codebook it was trained with (``codebook.yaml``) and a generated
``README.md`` model card.
"""
from __future__ import annotations

import inspect
import json
import logging
import platform
import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from nlp.codebook import Codebook, CodebookError, load_codebook

__all__ = ["TextClassifier", "ModelError", "as_texts", "read_config", "CONFIG_NAME", "FORMAT_VERSION"]

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
FORMAT_VERSION = 1


class ModelError(RuntimeError):
    """A model folder that cannot be used (missing files, foreign format, codebook mismatch)."""


def _check_docs(docs: Any) -> None:
    """A single string passed where a list of documents is expected would be read as one
    document per character: refuse it."""
    if isinstance(docs, (str, bytes)):
        raise TypeError("expected a list of documents, got one string: wrap it in a list, e.g. [text]")


def as_texts(docs: Iterable[Any]) -> list[str]:
    """Documents → the strings a model reads: ``title`` and ``text`` joined (or the string
    itself), in the canonical form of :func:`nlp.text.normalize` (full-width forms folded,
    zero-width and control characters removed, whitespace tidied), for training and prediction
    alike.

    A document is a string, a :class:`nlp.corpus.Document`, or a mapping/object with ``text``
    (and optionally ``title``) strings; anything else (None, a number) is a ``TypeError`` naming
    its position, rather than being scored as an empty text.
    """
    from nlp.text import normalize

    _check_docs(docs)
    out = []
    for i, d in enumerate(docs):
        if isinstance(d, str):
            out.append(normalize(d))
            continue
        if isinstance(d, dict):
            title, text = d.get("title"), d.get("text")
        elif hasattr(d, "text"):
            title, text = getattr(d, "title", None), d.text
        else:
            raise TypeError(f"document {i} is a {type(d).__name__}: expected a string, a Document or a mapping "
                            f"with a 'text' string")
        if text is None:
            text = ""
        if not isinstance(text, str) or not (title is None or isinstance(title, str)):
            raise TypeError(f"document {i}: 'text' and 'title' must be strings, got "
                            f"{type(text).__name__} and {type(title).__name__}")
        out.append(normalize(f"{title}\n{text}" if title and title not in text[:200] else text))
    return out


def _library_versions() -> dict[str, str]:
    from importlib import metadata

    vers = {"python": platform.python_version()}
    for pkg in ("silkframe", "numpy", "scipy", "rjieba", "jieba", "safetensors", "scikit-learn", "torch", "transformers"):
        try:
            vers[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return vers


def read_config(path: str | Path) -> dict:
    """Read and check ``config.json`` of a model folder; raises :class:`ModelError` with what is wrong."""
    path = Path(path)
    if not path.is_dir():
        raise ModelError(f"{path}: not a model folder (expected a directory with {CONFIG_NAME})")
    cfg_path = path / CONFIG_NAME
    if not cfg_path.exists():
        raise ModelError(f"{path}: missing {CONFIG_NAME}; is this a Silkframe model folder?")
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelError(f"{cfg_path}: invalid JSON ({e})") from None
    if not isinstance(cfg, dict) or cfg.get("format") != "silkframe-model":
        raise ModelError(f"{cfg_path}: not a Silkframe model config (field 'format' must be 'silkframe-model')")
    for key in ("family", "labels", "codebook", "settings", "thresholds"):
        if key not in cfg:
            raise ModelError(f"{cfg_path}: missing field {key!r}")
    return cfg


class TextClassifier:
    """Base class: shared ``predict``, ``save``/``load`` and the model-folder bookkeeping.

    Subclasses set ``family``, implement ``fit``, ``predict_proba``, ``_save_weights(path)`` and
    ``_load_weights(path, config)``, and take their settings as keyword-only ``__init__`` args.
    """

    family: str = "base"

    # learned / bookkeeping state (set by fit or load)
    thresholds_: np.ndarray
    training_: dict

    # ---- scikit-learn style parameters ---------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def get_params(self, deep: bool = False) -> dict:
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params) -> "TextClassifier":
        for k, v in params.items():
            if k not in self._param_names():
                raise ValueError(f"{type(self).__name__} has no setting {k!r}; settings: {self._param_names()}")
            setattr(self, k, v)
        return self

    def settings(self) -> dict:
        """JSON-serialisable settings (the codebook is stored separately)."""
        return {k: v for k, v in self.get_params().items() if k != "codebook"}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({args})"

    # ---- codebook --------------------------------------------------------------------------------
    @property
    def codebook_(self) -> Codebook:
        cb = getattr(self, "codebook", None)
        if cb is None:
            cb = load_codebook()
            self.codebook = cb
        elif isinstance(cb, (str, Path)):
            cb = load_codebook(cb)
            self.codebook = cb
        return cb

    @property
    def cue_codebook(self) -> Codebook:
        """The codebook whose cues, hypotheses and frames the model reads: the one saved in its
        folder when it was loaded (see :meth:`load`), else the codebook in use."""
        return getattr(self, "cue_codebook_", None) or self.codebook_

    def _per_cue_codebook(self, attr: str, cls):
        """``cls(self.cue_codebook)`` (a cue matcher or cue context), built once per model and
        codebook and kept in ``attr`` (with its automaton, built on first use)."""
        cb = self.cue_codebook
        obj = self.__dict__.get(attr)
        if obj is None or obj.codebook is not cb:
            obj = cls(cb)
            setattr(self, attr, obj)
        return obj

    @property
    def name(self) -> str:
        return getattr(self, "name_", None) or self.family

    # ---- contract --------------------------------------------------------------------------------
    def _check_Y(self, docs: Sequence, Y: Any) -> np.ndarray:
        """``Y`` as an int8 0/1 matrix; anything but 0/1 (or False/True) is refused, naming a
        cell, rather than silently cut at 0 (a matrix of 0.3 would train every label on every doc)."""
        _check_docs(docs)
        Y = np.asarray(Y)
        L = self.codebook_.n_labels
        if Y.ndim != 2 or Y.shape[1] != L:
            raise ValueError(f"Y must have shape (n_docs, {L}) in codebook order {self.codebook_.label_ids}, got {Y.shape}")
        if Y.shape[0] != len(docs):
            raise ValueError(f"{len(docs)} documents but {Y.shape[0]} label rows")
        if Y.shape[0] == 0:
            raise ValueError("cannot fit on 0 documents")
        if Y.dtype != bool:
            try:
                bad = ~((Y == 0) | (Y == 1))
            except TypeError:
                bad = np.ones(Y.shape, dtype=bool)
            if bad.any():
                i, j = (int(x) for x in np.argwhere(bad)[0])
                raise ValueError(f"Y must hold 0/1 (or False/True); row {i}, label {self.codebook_.label_ids[j]!r} "
                                 f"is {Y[i, j].item()!r}")
        return Y.astype(np.int8)

    def fit(self, docs: Sequence, Y: Any, **fit_params) -> "TextClassifier":  # pragma: no cover - abstract
        raise NotImplementedError

    def predict_proba(self, docs: Sequence) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, docs: Sequence) -> np.ndarray:
        """Binary labels (n_docs, n_labels): probabilities over per-label thresholds, then the
        codebook's implication rules (R1–R4 ⇒ covid)."""
        P = self.predict_proba(docs)
        return self.decide(P)

    def decide(self, P: np.ndarray) -> np.ndarray:
        """Apply thresholds and implications to a probability matrix."""
        P = np.asarray(P, dtype=float)
        if P.shape[0] == 0:
            return np.zeros((0, self.codebook_.n_labels), dtype=np.int8)
        Y = (P >= self.thresholds_[None, :]).astype(np.int8)
        return self.codebook_.apply_implications(Y)

    # ---- persistence -----------------------------------------------------------------------------
    def _save_weights(self, path: Path) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_weights(self, path: Path, config: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def save(self, path: str | Path, *, card_extra: dict | None = None) -> Path:
        """Write the model folder: weights, ``config.json``, ``codebook.yaml`` and ``README.md`` card."""
        if not hasattr(self, "thresholds_"):
            raise ModelError("cannot save an unfitted model: call fit() first")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        cb = self.codebook_
        files = self._save_weights(path)
        if cb.source and Path(cb.source).exists():
            (path / "codebook.yaml").write_bytes(Path(cb.source).read_bytes())
            files.append("codebook.yaml")
        training = dict(getattr(self, "training_", {}) or {})
        if card_extra:
            training.update(card_extra)
        cfg = {
            "format": "silkframe-model",
            "format_version": FORMAT_VERSION,
            "family": self.family,
            "name": getattr(self, "name_", None) or path.name,
            "labels": list(cb.label_ids),
            "codebook": cb.to_dict() | {"source": "codebook.yaml"},
            "settings": self.settings(),
            "thresholds": [round(float(t), 6) for t in self.thresholds_],
            "training": training,
            "library_versions": _library_versions(),
            "files": sorted(set(files)),
            "sha256": {f: _file_sha256(path / f) for f in sorted(set(files)) if (path / f).is_file()},
        }
        (path / CONFIG_NAME).write_text(json.dumps(cfg, ensure_ascii=False, indent=2, default=_json_default) + "\n",
                                        encoding="utf-8")
        from nlp.classifiers.card import write_model_card

        write_model_card(path, cfg)
        return path

    @classmethod
    def load(cls, path: str | Path, *, codebook: Codebook | str | Path | None = None) -> "TextClassifier":
        """Load a model folder. Refuses a folder of another family or codebook; warns on library versions.

        ``codebook``: the scheme the caller works with (default: the bundled one). A model trained
        on another codebook version or label set is refused with a message saying which.
        """
        path = Path(path)
        cfg = read_config(path)
        if cfg["family"] != cls.family:
            raise ModelError(f"{path}: model family is {cfg['family']!r}, not {cls.family!r}; use nlp.classifiers.load_model")
        cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
        _check_codebook(path, cfg, cb)
        _check_files(path, cfg)
        if not isinstance(cfg["settings"], dict):
            raise ModelError(f"{path / CONFIG_NAME}: 'settings' must be a mapping, got {type(cfg['settings']).__name__}")
        thresholds = cfg["thresholds"]
        if not isinstance(thresholds, list) or len(thresholds) != cb.n_labels:
            raise ModelError(f"{path / CONFIG_NAME}: 'thresholds' must list one number per label ({cb.n_labels}); "
                             f"the folder is corrupt")
        known = set(cls._param_names())
        settings = {k: v for k, v in cfg["settings"].items() if k in known}
        unknown = set(cfg["settings"]) - known
        if unknown:
            raise ModelError(f"{path}: settings {sorted(unknown)} are unknown to family {cls.family!r} "
                             f"(model written by a newer Silkframe?)")
        model = cls(**settings)
        model.codebook = cb
        # cues, hypotheses and rules come from the codebook the model was trained with, even if
        # the one in use (same name, version and labels) has since been edited
        if (path / "codebook.yaml").exists():
            try:
                model.cue_codebook_ = load_codebook(path / "codebook.yaml")
            except CodebookError as e:
                raise ModelError(f"{path / 'codebook.yaml'}: {e}") from None
        try:
            model.thresholds_ = np.asarray(thresholds, dtype=float)
        except (TypeError, ValueError):
            raise ModelError(f"{path / CONFIG_NAME}: 'thresholds' must be numbers; the folder is corrupt") from None
        model.training_ = cfg.get("training", {})
        model.name_ = cfg.get("name") or path.name
        model.path_ = str(path)
        _warn_versions(path, cfg.get("library_versions", {}))
        model._load_weights(path, cfg)
        return model


def _file_sha256(path: Path) -> str:
    from nlp.corpus import file_sha256  # local: nlp.corpus is not needed to predict

    return file_sha256(path)


def _check_files(path: Path, cfg: dict) -> None:
    """Every file the config lists must be there, with the sha256 recorded at save time (folders
    saved before checksums were recorded are checked for presence only): a flipped byte in the
    weights is refused instead of giving other probabilities."""
    sums = cfg.get("sha256") or {}
    for f in cfg.get("files") or ():
        p = path / f
        if not p.is_file():
            raise ModelError(f"{path}: missing {f}; the model folder is incomplete")
        want = sums.get(f)
        if want is not None and _file_sha256(p) != want:
            raise ModelError(f"{p}: contents differ from what was saved (sha256 mismatch); the folder is corrupt "
                             f"or was edited — retrain or restore it")


def _check_codebook(path: Path, cfg: dict, cb: Codebook) -> None:
    mine = cfg.get("codebook", {})
    if list(cfg["labels"]) != list(cb.label_ids):
        raise ModelError(
            f"{path}: model labels {cfg['labels']} do not match codebook {cb.name} v{cb.version} labels "
            f"{list(cb.label_ids)}; pass --codebook with the codebook the model was trained on ({path / 'codebook.yaml'})")
    if str(mine.get("version")) != str(cb.version) or mine.get("name") != cb.name:
        raise ModelError(
            f"{path}: model was trained for codebook {mine.get('name')} v{mine.get('version')}, "
            f"but the codebook in use is {cb.name} v{cb.version}; retrain the model or pass --codebook {path / 'codebook.yaml'}")


def _warn_versions(path: Path, saved: dict) -> None:
    now = _library_versions()
    diffs = [f"{k} {saved[k]} → {now[k]}" for k in ("numpy", "scipy", "rjieba", "torch", "transformers")
             if k in saved and k in now and saved[k].split(".")[:2] != now[k].split(".")[:2]]
    if diffs:
        warnings.warn(f"{path}: saved with other library versions ({'; '.join(diffs)}); results may differ slightly",
                      stacklevel=3)


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
