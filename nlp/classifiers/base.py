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

from nlp.codebook import Codebook, load_codebook

__all__ = ["TextClassifier", "ModelError", "as_texts", "read_config", "CONFIG_NAME", "FORMAT_VERSION"]

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
FORMAT_VERSION = 1


class ModelError(RuntimeError):
    """A model folder that cannot be used (missing files, foreign format, codebook mismatch)."""


def as_texts(docs: Iterable[Any]) -> list[str]:
    """Documents → the strings a model reads: ``title`` and ``text`` joined (or the string
    itself), in the canonical form of :func:`nlp.text.normalize` (full-width forms folded,
    zero-width and control characters removed, whitespace tidied), for training and prediction
    alike."""
    from nlp.text import normalize

    out = []
    for d in docs:
        if isinstance(d, str):
            out.append(normalize(d))
            continue
        title = getattr(d, "title", None)
        text = getattr(d, "text", None)
        if text is None and isinstance(d, dict):
            title, text = d.get("title"), d.get("text")
        text = text or ""
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
    def name(self) -> str:
        return getattr(self, "name_", None) or self.family

    # ---- contract --------------------------------------------------------------------------------
    def _check_Y(self, docs: Sequence, Y: Any) -> np.ndarray:
        Y = np.asarray(Y)
        L = self.codebook_.n_labels
        if Y.ndim != 2 or Y.shape[1] != L:
            raise ValueError(f"Y must have shape (n_docs, {L}) in codebook order {self.codebook_.label_ids}, got {Y.shape}")
        if Y.shape[0] != len(docs):
            raise ValueError(f"{len(docs)} documents but {Y.shape[0]} label rows")
        return (Y > 0).astype(np.int8)

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
        known = set(cls._param_names())
        settings = {k: v for k, v in cfg["settings"].items() if k in known}
        unknown = set(cfg["settings"]) - known
        if unknown:
            raise ModelError(f"{path}: settings {sorted(unknown)} are unknown to family {cls.family!r} "
                             f"(model written by a newer Silkframe?)")
        model = cls(**settings)
        model.codebook = cb
        model.thresholds_ = np.asarray(cfg["thresholds"], dtype=float)
        model.training_ = cfg.get("training", {})
        model.name_ = cfg.get("name") or path.name
        model.path_ = str(path)
        _warn_versions(path, cfg.get("library_versions", {}))
        model._load_weights(path, cfg)
        return model


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
