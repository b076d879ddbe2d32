"""``nli`` family: labels as entailment with a local NLI checkpoint (zero-shot and few-shot).

Each codebook label carries one hypothesis per language (``hypothesis: {zh: ..., en: ...}``,
e.g. "这段文字赞扬中国的抗疫成效。" / "The text praises China's pandemic response."). A document's
score for a label is the probability that its text (the premise) entails the hypothesis in the
document's language. Long documents are split into windows (title kept in each) and window
scores are pooled per document, as in the ``transformer`` family.

* zero-shot: ``fit(docs, Y)`` with ``epochs=0`` only loads the checkpoint and tunes per-label
  thresholds on the given documents (no data: thresholds 0.5); ``predict_proba`` also works
  unfitted, straight from ``base_model``.
* few-shot: with ``epochs > 0`` the NLI model is fine-tuned on (window, hypothesis) pairs built
  from the gold labels: entailment where the label is present, contradiction where absent; then
  thresholds are tuned on a validation split.

``base_model`` must be an NLI checkpoint whose ``config.label2id`` names an entailment class
(and a contradiction class, for few-shot training).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nlp.classifiers.base import ModelError, TextClassifier
from nlp.classifiers.transformer import (
    HF_DIR, _val_metrics, check_base_model, check_max_length, forward_windows, load_hf, pos_weights, quantize_int8,
    resolve_device, save_hf, seed_everything, split_validation, train_loop, tune_thresholds)
from nlp.classifiers.windows import (MIN_BODY_TOKENS, SpecialTemplate, body_room, encode_windows, pool_windows,
                                     split_title)

__all__ = ["NLIClassifier", "nli_label_index", "doc_language"]

log = logging.getLogger(__name__)


def nli_label_index(label2id: dict, name: str, model_path: Any = "") -> int:
    """Index of the class whose name starts with ``name`` (``entail``/``contradict``) in ``label2id``."""
    for lab, i in (label2id or {}).items():
        if str(lab).lower().startswith(name):
            return int(i)
    raise ModelError(f"{model_path}: config.json label2id {dict(label2id or {})} has no {name!r}… class; "
                     f"base_model for the nli family must be an NLI checkpoint "
                     f"(label2id with entailment/neutral/contradiction)")


def _han_ratio(text: str) -> float:
    letters = [c for c in text[:2000] if c.isalpha()]
    if not letters:
        return 0.0
    return sum("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in letters) / len(letters)


def doc_language(text: str) -> str:
    """``'zh'`` or ``'en'``: :func:`nlp.text.detect_lang` when available, else the Han-character ratio."""
    try:
        from nlp.text import detect_lang
    except ImportError:
        detect_lang = None
    if detect_lang is not None:
        lang = detect_lang(text)
        if lang in ("zh", "en"):
            return lang
    return "zh" if _han_ratio(text) >= 0.3 else "en"


class NLIClassifier(TextClassifier):
    """Zero-/few-shot tagger scoring P(entailment) of per-label hypotheses.

    Parameters
    ----------
    codebook : Codebook, path or None (bundled); every label needs a ``hypothesis``
    base_model : path of a local NLI checkpoint folder
    max_length, stride, pooling : windows of premise + hypothesis, and pooling (``'max'``/``'mean'``)
    score : ``'entail'`` (softmax over all classes) or ``'entail_vs_contra'`` (softmax over the
        entailment and contradiction logits only, as in the Hugging Face zero-shot pipeline)
    epochs : few-shot fine-tuning epochs; 0 = zero-shot
    batch_size, lr, weight_decay, warmup_ratio, grad_accum, seed, device, precision,
    early_stopping_patience, val_fraction, quantize, eval_batch_size : as in the transformer family
    class_weight : None, ``'balanced'`` or per-label weights of the entailment (positive) pairs
    """

    family = "nli"

    def __init__(self, *, codebook=None, base_model: str | None = None, max_length: int = 256, stride: int = 64,
                 pooling: str = "max", score: str = "entail", epochs: int = 2, batch_size: int = 16,
                 lr: float = 2e-5, weight_decay: float = 0.01, warmup_ratio: float = 0.1, grad_accum: int = 1,
                 class_weight=None, seed: int = 0, device: str = "auto", precision: str = "fp32",
                 early_stopping_patience: int | None = 2, val_fraction: float = 0.2, quantize: str | None = None,
                 eval_batch_size: int = 64):
        self.codebook = codebook
        self.base_model = base_model
        self.max_length = max_length
        self.stride = stride
        self.pooling = pooling
        self.score = score
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.grad_accum = grad_accum
        self.class_weight = class_weight
        self.seed = seed
        self.device = device
        self.precision = precision
        self.early_stopping_patience = early_stopping_patience
        self.val_fraction = val_fraction
        self.quantize = quantize
        self.eval_batch_size = eval_batch_size

    # ---- model and hypotheses ------------------------------------------------------------------
    def _hypotheses(self) -> dict[str, list[str]]:
        """Per language, the hypothesis of every label in codebook order (other language as fallback).

        A loaded model reads them from the codebook saved with it (``cue_codebook_``), so editing the
        codebook in use without a version change cannot change its predictions.
        """
        cb = self.cue_codebook
        out: dict[str, list[str]] = {"zh": [], "en": []}
        for lab in cb.labels:
            h = dict(lab.hypothesis)
            if not h:
                raise ModelError(f"{cb.source or 'codebook'}: label {lab.id!r} has no 'hypothesis'; the nli family "
                                 f"needs one per label, e.g. hypothesis: {{zh: 这段文字……。, en: The text ….}}")
            for lang in out:
                out[lang].append(h.get(lang) or next(iter(h.values())))
        return out

    def _set_model(self, model, tok, device: str, source: Any, *, loading: bool = False) -> None:
        """Install model and tokenizer, encode the hypotheses and check ``max_length`` against both
        (errors when fitting; when loading an older folder: position limit clamped, too little room
        for the hypotheses a warning)."""
        check_max_length(self, model, tok, source, clamp=loading)
        self.entail_idx_ = nli_label_index(model.config.label2id, "entail", source)
        self.contra_idx_ = (nli_label_index(model.config.label2id, "contradict", source)
                            if self.score == "entail_vs_contra" else _maybe_index(model.config.label2id, "contradict"))
        self.model_, self.tokenizer_, self.device_ = model.to(device).eval(), tok, device
        self.template_ = SpecialTemplate.from_tokenizer(tok)
        hyps = self._hypotheses()
        self.hyp_langs_ = ("zh", "en")
        enc = [tok(h, add_special_tokens=False)["input_ids"] for lang in self.hyp_langs_ for h in hyps[lang]]
        self.hyp_ids_ = [list(x) for x in enc]
        self._qmodel_ = None
        self._check_room(hyps, loading)

    def _check_room(self, hyps: dict[str, list[str]], loading: bool) -> None:
        """Every window must hold the longest hypothesis, a full-length title and MIN_BODY_TOKENS of text."""
        longest = max(range(len(self.hyp_ids_)), key=lambda k: len(self.hyp_ids_[k]), default=None)
        if longest is None:
            return
        n_spec, n_hyp = self.template_.n_special(True), len(self.hyp_ids_[longest])
        if body_room(int(self.max_length), n_spec, n_hyp) >= MIN_BODY_TOKENS:
            return
        need = int(self.max_length)
        while body_room(need, n_spec, n_hyp) < MIN_BODY_TOKENS:
            need += 1
        L = len(hyps["zh"])
        lang, lab = self.hyp_langs_[longest // L], self.codebook_.label_ids[longest % L]
        msg = (f"nli: max_length={self.max_length} leaves too little room for the text next to the {n_hyp}-token "
               f"{lang} hypothesis of label {lab!r}; set max_length to at least {need} or shorten that hypothesis")
        if not loading:
            raise ValueError(msg)
        log.warning("%s (documents whose window has no room will fail)", msg)

    def _ensure_model(self) -> None:
        if hasattr(self, "model_"):
            return
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        base = check_base_model(self.base_model, self.family)
        model = AutoModelForSequenceClassification.from_pretrained(base, local_files_only=True)
        tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
        self._set_model(model, tok, resolve_device(self.device), base / "config.json")
        if not hasattr(self, "thresholds_"):
            self.thresholds_ = np.full(self.codebook_.n_labels, 0.5)
            self.training_ = {"base_model": str(self.base_model), "mode": "zero-shot", "n_docs": 0}

    def _check_settings(self) -> None:
        if self.pooling not in ("max", "mean"):
            raise ValueError(f"pooling must be 'max' or 'mean', got {self.pooling!r}")
        if self.score not in ("entail", "entail_vs_contra"):
            raise ValueError(f"score must be 'entail' or 'entail_vs_contra', got {self.score!r}")
        if self.quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', got {self.quantize!r}")

    # ---- pairs ---------------------------------------------------------------------------------
    def _pairs(self, docs: Sequence):
        """Windows of (premise window, hypothesis) for every document × label; ``pair % L`` = label."""
        L = self.codebook_.n_labels
        langs = [doc_language(" ".join(split_title(d))) for d in docs]
        offset = {lang: k * L for k, lang in enumerate(self.hyp_langs_)}
        win = encode_windows(self.tokenizer_, docs, max_length=self.max_length, stride=self.stride,
                             template=self.template_, seconds=self.hyp_ids_,
                             second_for_doc=lambda i: range(offset[langs[i]], offset[langs[i]] + L))
        return win, win.pair % L

    def _scores(self, logits: np.ndarray) -> np.ndarray:
        z = logits.astype(np.float64)
        if self.score == "entail_vs_contra":
            z = z[:, [self.contra_idx_, self.entail_idx_]]
            e = 1
        else:
            e = self.entail_idx_
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        return p[:, e] / p.sum(1)

    def _proba(self, docs: Sequence, model, device: str) -> np.ndarray:
        L = self.codebook_.n_labels
        win, lab = self._pairs(docs)
        logits = forward_windows(model, win, self.template_, batch_size=self.eval_batch_size, device=device,
                                 precision=self.precision)
        s = self._scores(logits)
        return pool_windows(s[:, None], win.doc * L + lab, len(docs) * L, self.pooling).reshape(len(docs), L)

    # ---- contract ------------------------------------------------------------------------------
    def fit(self, docs: Sequence, Y: Any, **fit_params) -> "NLIClassifier":
        """Zero-shot (``epochs=0``: thresholds tuned on the data) or few-shot fine-tuning on gold labels."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self._check_settings()
        docs = list(docs)
        Y = self._check_Y(docs, Y)
        cb = self.codebook_
        L = cb.n_labels
        base = check_base_model(self.base_model, self.family)
        device = resolve_device(self.device)
        t0 = time.perf_counter()
        seed_everything(self.seed)
        model = AutoModelForSequenceClassification.from_pretrained(base, local_files_only=True)
        tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
        self.__dict__.pop("cue_codebook_", None)  # a (re)fit uses the hypotheses of the codebook in use
        self._set_model(model, tok, device, base / "config.json")
        epochs = int(self.epochs or 0)
        hist = {"epochs_run": 0, "best_epoch": 0, "train_loss": [], "val_loss": []}
        if epochs > 0 and docs:
            contra = nli_label_index(model.config.label2id, "contradict", base / "config.json")
            tr, va = split_validation(len(docs), self.val_fraction, self.seed)
        else:
            tr, va = np.zeros(0, dtype=np.int64), np.arange(len(docs))
        train_s = 0.0
        if len(tr):
            win, lab = self._pairs([docs[i] for i in tr])
            pos = Y[tr][win.doc, lab] > 0
            target = torch.from_numpy(np.where(pos, self.entail_idx_, contra).astype(np.int64))
            pw = pos_weights(Y[tr], self.class_weight)
            weight = torch.from_numpy(np.where(pos, pw[lab] if pw is not None else 1.0, 1.0).astype(np.float32))
            ce = torch.nn.CrossEntropyLoss(reduction="none")

            def loss_fn(logits, idx):
                w = weight[idx].to(device)
                return (ce(logits, target[idx].to(device)) * w).sum() / w.sum()

            val_docs, Yv = [docs[i] for i in va], Y[va]

            def validate() -> float:
                P = np.clip(self._proba(val_docs, self.model_, device), 1e-7, 1 - 1e-7)
                return float(-np.mean(Yv * np.log(P) + (1 - Yv) * np.log(1 - P)))

            t1 = time.perf_counter()
            hist = train_loop(self.model_, win, self.template_, loss_fn, epochs=epochs, batch_size=self.batch_size,
                              grad_accum=self.grad_accum, lr=self.lr, weight_decay=self.weight_decay,
                              warmup_ratio=self.warmup_ratio, device=device, precision=self.precision,
                              seed=self.seed, validate=validate if len(va) else None,
                              patience=self.early_stopping_patience)
            train_s = time.perf_counter() - t1
            self.model_.eval()
        val = {}
        if len(va):
            Pv = self._proba([docs[i] for i in va], self.model_, device)
            self.thresholds_ = tune_thresholds(Pv, Y[va])
            val = _val_metrics(Pv, Y[va], self.thresholds_, cb.label_ids)
        else:
            self.thresholds_ = np.full(L, 0.5)
        self.training_ = {
            "base_model": str(self.base_model), "mode": "few-shot" if len(tr) else "zero-shot",
            "device": device, "precision": self.precision, "n_docs": len(docs),
            "n_train_docs": int(len(tr)), "n_val_docs": int(len(va)),
            "positives": {lid: int(c) for lid, c in zip(cb.label_ids, Y.sum(0))},
            "epochs_run": hist["epochs_run"], "best_epoch": hist["best_epoch"],
            "train_loss": hist["train_loss"], "val_loss": hist["val_loss"], "validation": val,
            "seconds": round(time.perf_counter() - t0, 3),
            "train_docs_per_s": round(len(tr) * hist["epochs_run"] / train_s, 3) if train_s else None,
        }
        return self

    def predict_proba(self, docs: Sequence) -> np.ndarray:
        """P(document entails each label's hypothesis), (n_docs, n_labels) in codebook order."""
        self._check_settings()
        docs = list(docs)
        L = self.codebook_.n_labels
        if not docs:
            return np.zeros((0, L))
        self._ensure_model()
        if self.quantize == "int8":
            if self._qmodel_ is None:
                self._qmodel_ = quantize_int8(self.model_)
            return self._proba(docs, self._qmodel_, "cpu")
        return self._proba(docs, self.model_, self.device_)

    def decide(self, P: np.ndarray) -> np.ndarray:
        if not hasattr(self, "thresholds_"):
            self.thresholds_ = np.full(self.codebook_.n_labels, 0.5)
        return super().decide(P)

    def save(self, path: str | Path, *, card_extra: dict | None = None) -> Path:
        """Save (a zero-shot model that was never fitted is saved with thresholds 0.5)."""
        self._ensure_model()
        return super().save(path, card_extra=card_extra)

    def _save_weights(self, path: Path) -> list[str]:
        return save_hf(self.model_, self.tokenizer_, path)

    def _load_weights(self, path: Path, config: dict) -> None:
        model, tok = load_hf(path)
        self._set_model(model, tok, resolve_device(self.device), Path(path) / HF_DIR / "config.json", loading=True)


def _maybe_index(label2id: dict, name: str) -> int | None:
    try:
        return nli_label_index(label2id, name)
    except ModelError:
        return None
