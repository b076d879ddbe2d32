"""``transformer`` family: fine-tune any local Hugging Face checkpoint as a multi-label tagger.

The user brings a checkpoint folder downloaded once (a Chinese BERT/RoBERTa, XLM-R, ...) and
passes its path as ``base_model``; nothing is ever downloaded (``local_files_only=True``).
``fit`` builds ``AutoModelForSequenceClassification`` with one sigmoid output per codebook label
(label names and order from the codebook), trains it with a plain torch loop (AdamW, linear
warm-up/decay, gradient accumulation, AMP on CUDA), stops early on a validation split and tunes
per-label thresholds there.

Long documents are split into overlapping windows with the title kept in each
(:mod:`nlp.classifiers.windows`); in training every window inherits its document's labels, in
prediction window probabilities are pooled per document (``pooling='max'`` or ``'mean'``).

torch and transformers are imported inside functions only: importing this module stays light.
"""
from __future__ import annotations

import copy
import logging
import math
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from nlp.classifiers.base import ModelError, TextClassifier
from nlp.classifiers.thresholds import tune_thresholds
from nlp.classifiers.windows import SpecialTemplate, Windows, encode_windows, pad_batch, pool_windows

__all__ = ["TransformerClassifier", "f1_per_label", "split_validation", "pos_weights"]

log = logging.getLogger(__name__)

HF_DIR = "hf"


# ---- pure helpers -----------------------------------------------------------------------------
def f1_per_label(Y: np.ndarray, Yhat: np.ndarray) -> np.ndarray:
    """F1 of each column (0 where a label has neither gold nor predicted positives)."""
    Y, Yhat = np.asarray(Y) > 0, np.asarray(Yhat) > 0
    tp = (Y & Yhat).sum(0).astype(float)
    denom = Y.sum(0) + Yhat.sum(0)
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def split_validation(n: int, val_fraction: float, seed: int, *, min_val: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Seeded document split → (train indices, validation indices); no validation when too small."""
    idx = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * float(val_fraction or 0)))
    if n_val < min_val or n - n_val < 1:
        return np.sort(idx), np.zeros(0, dtype=np.int64)
    return np.sort(idx[n_val:]), np.sort(idx[:n_val])


def pos_weights(Y: np.ndarray, class_weight: Any) -> np.ndarray | None:
    """``class_weight`` setting → positive-class weight per label (``pos_weight`` of BCE).

    ``None``: no weighting; ``'balanced'``: negatives/positives per label, clipped to [1, 100];
    a list of floats: used as given (one per label, codebook order).
    """
    if class_weight is None:
        return None
    L = Y.shape[1]
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or a list of {L} floats, got {class_weight!r}")
        pos = Y.sum(0).astype(float)
        return np.clip((len(Y) - pos) / np.maximum(pos, 1.0), 1.0, 100.0)
    w = np.asarray(class_weight, dtype=float)
    if w.shape != (L,):
        raise ValueError(f"class_weight list must have {L} values (codebook order), got {w.shape}")
    return w


# ---- torch helpers (torch imported inside) -------------------------------------------------
def resolve_device(device: str) -> str:
    """``'auto'`` → ``'cuda'`` when available else ``'cpu'``; refuses ``'cuda'`` without a GPU."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' but torch sees no GPU; use device='cpu' or 'auto'")
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    return device


def autocast(device: str, precision: str):
    """AMP context: bf16/fp16 autocast on CUDA; fp32 (no-op) otherwise."""
    import contextlib

    import torch

    if precision not in ("fp32", "bf16", "fp16"):
        raise ValueError(f"precision must be 'fp32', 'bf16' or 'fp16', got {precision!r}")
    if precision == "fp32" or not device.startswith("cuda"):
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def seed_everything(seed: int) -> None:
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _batch_tensors(win: Windows, idx: Sequence[int], template: SpecialTemplate, device: str) -> dict:
    import torch

    X, T, M = pad_batch((win.ids[i] for i in idx), (win.types[i] for i in idx), template.pad_id)
    batch = {"input_ids": torch.from_numpy(X).to(device), "attention_mask": torch.from_numpy(M).to(device)}
    if template.uses_token_types:
        batch["token_type_ids"] = torch.from_numpy(T).to(device)
    return batch


def forward_windows(model, win: Windows, template: SpecialTemplate, *, batch_size: int, device: str,
                    precision: str = "fp32") -> np.ndarray:
    """Logits (n_windows, n_outputs) in window order; windows are batched by length to limit padding."""
    import torch

    n_out = model.config.num_labels
    out = np.zeros((len(win.ids), n_out), dtype=np.float32)
    if not win.ids:
        return out
    order = np.argsort([len(x) for x in win.ids], kind="stable")
    model.eval()
    with torch.inference_mode(), autocast(device, precision):
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            logits = model(**_batch_tensors(win, idx, template, device)).logits
            out[idx] = logits.float().cpu().numpy()
    return out


def train_loop(model, win: Windows, template: SpecialTemplate, loss_fn: Callable, *, epochs: int, batch_size: int,
               grad_accum: int, lr: float, weight_decay: float, warmup_ratio: float, device: str, precision: str,
               seed: int, validate: Callable[[], float] | None = None, patience: int | None = None) -> dict:
    """Fine-tune ``model`` on windows; ``loss_fn(logits, batch_indices)`` returns the mean loss.

    AdamW (no decay on biases and LayerNorm), linear warm-up then decay, gradient accumulation,
    AMP on CUDA (loss scaling for fp16). After each epoch ``validate()`` returns a validation loss;
    the best epoch's weights are restored and training stops after ``patience`` epochs without
    improvement. Returns a history dict.
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    n = len(win.ids)
    rng = np.random.default_rng(seed)
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")
    groups = [
        {"params": [p for k, p in model.named_parameters() if p.requires_grad and not k.endswith(no_decay)],
         "weight_decay": weight_decay},
        {"params": [p for k, p in model.named_parameters() if p.requires_grad and k.endswith(no_decay)],
         "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=lr)
    grad_accum = max(1, int(grad_accum))
    steps_per_epoch = math.ceil(math.ceil(n / batch_size) / grad_accum)
    total = max(1, steps_per_epoch * epochs)
    sched = get_linear_schedule_with_warmup(opt, int(warmup_ratio * total), total)
    scaler = torch.amp.GradScaler("cuda") if (precision == "fp16" and device.startswith("cuda")) else None
    hist = {"train_loss": [], "val_loss": [], "best_epoch": 0, "epochs_run": 0}
    best, best_state, bad = math.inf, None, 0
    for ep in range(epochs):
        model.train()
        order = rng.permutation(n)
        batches = [order[s:s + batch_size] for s in range(0, n, batch_size)]
        tot, opt_steps = 0.0, 0
        opt.zero_grad(set_to_none=True)
        for b, idx in enumerate(batches):
            with autocast(device, precision):
                logits = model(**_batch_tensors(win, idx, template, device)).logits
            loss = loss_fn(logits.float(), idx) / grad_accum
            (scaler.scale(loss) if scaler else loss).backward()
            tot += float(loss.detach()) * grad_accum * len(idx)
            if (b + 1) % grad_accum == 0 or b + 1 == len(batches):
                if scaler:
                    scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                if scaler:
                    scaler.step(opt)
                    scaler.update()
                else:
                    opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                opt_steps += 1
        hist["train_loss"].append(round(tot / max(n, 1), 6))
        hist["epochs_run"] = ep + 1
        if validate is None:
            log.info("epoch %d/%d: train loss %.4f", ep + 1, epochs, hist["train_loss"][-1])
            continue
        v = float(validate())
        hist["val_loss"].append(round(v, 6))
        log.info("epoch %d/%d: train loss %.4f, validation loss %.4f", ep + 1, epochs, hist["train_loss"][-1], v)
        if v < best - 1e-6:
            best, bad, hist["best_epoch"] = v, 0, ep + 1
            best_state = {k: t.detach().to("cpu", copy=True) for k, t in model.state_dict().items()}
        else:
            bad += 1
            if patience is not None and bad >= patience:
                log.info("early stopping after epoch %d (best: epoch %d)", ep + 1, hist["best_epoch"])
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    elif validate is None:
        hist["best_epoch"] = hist["epochs_run"]
    return hist


def quantize_int8(model):
    """Dynamic int8 quantisation of ``nn.Linear`` layers (a CPU copy; the original is kept for saving)."""
    import warnings

    import torch

    q = copy.deepcopy(model).to("cpu").eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization deprecation notice (moving to torchao)
        return torch.ao.quantization.quantize_dynamic(q, {torch.nn.Linear}, dtype=torch.qint8)


def position_limit(model, tokenizer) -> int | None:
    """Longest input (tokens) the checkpoint accepts, or None when unknown.

    ``max_position_embeddings`` less the offset of RoBERTa-style embeddings (positions start at
    ``padding_idx + 1``, so 514 → 512), capped by the tokenizer's ``model_max_length`` when set
    (tokenizers without a limit report a huge number, ignored). Models without absolute position
    embeddings (DeBERTa-v2/v3, ``position_biased_input=False``) are limited by the tokenizer only.
    """
    cfg, limits = model.config, []
    n = getattr(cfg, "max_position_embeddings", None)
    if isinstance(n, int) and n > 0 and getattr(cfg, "position_biased_input", True) is not False:
        emb = getattr(getattr(model, "base_model", None), "embeddings", None)
        pad = getattr(emb, "padding_idx", None)
        offset = pad + 1 if isinstance(pad, int) and hasattr(emb, "position_embeddings") else 0
        limits.append(n - offset)
    m = getattr(tokenizer, "model_max_length", None)
    if isinstance(m, int) and 0 < m < 1_000_000:
        limits.append(m)
    return min(limits) if limits else None


def check_max_length(est, model, tokenizer, source: Any, *, clamp: bool) -> None:
    """Refuse (``clamp=False``, at fit) or lower with a warning (``clamp=True``, at load) a
    ``max_length`` beyond the checkpoint's position limit: windows that long crash the model."""
    limit = position_limit(model, tokenizer)
    if limit is None or int(est.max_length) <= limit:
        return
    msg = (f"max_length={est.max_length} exceeds the {limit}-token limit of {source} "
           f"(config max_position_embeddings / tokenizer model_max_length)")
    if not clamp:
        raise ValueError(f"{msg}; set max_length to at most {limit} (longer documents are split into windows)")
    warnings.warn(f"{msg}; using max_length={limit}", stacklevel=3)
    est.max_length = limit


def check_base_model(base_model: str | None, family: str) -> Path:
    if not base_model:
        raise ValueError(f"{family}: pass base_model=PATH of a local Hugging Face checkpoint folder "
                         f"(CLI: --base-model PATH; build a tiny one with `silkframe make-tiny-model --out DIR`)")
    p = Path(base_model).expanduser()
    if not (p / "config.json").exists():
        raise FileNotFoundError(f"{p}: not a local checkpoint folder (no config.json); Silkframe never downloads "
                                f"models: download it once (e.g. `huggingface-cli download NAME --local-dir DIR`) "
                                f"and pass that folder")
    return p


def save_hf(model, tokenizer, path: Path) -> list[str]:
    """Write HF files into ``path/hf`` (safetensors) and return their names relative to ``path``."""
    hf = Path(path) / HF_DIR
    hf.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(hf, safe_serialization=True)
    tokenizer.save_pretrained(hf)
    return sorted(f"{HF_DIR}/{f.name}" for f in hf.iterdir() if f.is_file())


def load_hf(path: Path):
    """Load ``(model, tokenizer)`` from ``path/hf`` (safetensors only; never ``torch.load``)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    hf = Path(path) / HF_DIR
    if not (hf / "model.safetensors").exists():
        raise ModelError(f"{path}: missing {HF_DIR}/model.safetensors; the model folder is incomplete")
    model = AutoModelForSequenceClassification.from_pretrained(hf, local_files_only=True, use_safetensors=True)
    tok = AutoTokenizer.from_pretrained(hf, local_files_only=True)
    return model.eval(), tok


# ---- the family -------------------------------------------------------------------------------
class TransformerClassifier(TextClassifier):
    """Fine-tuned transformer with one sigmoid output per codebook label.

    Parameters
    ----------
    codebook : Codebook, path or None (bundled)
    base_model : path of a local Hugging Face checkpoint folder (required for ``fit``)
    max_length, stride : window size (tokens, special tokens included) and overlap of windows
    pooling : ``'max'`` or ``'mean'`` of window probabilities per document
    epochs, batch_size, lr, weight_decay, warmup_ratio, grad_accum : optimisation (AdamW, linear schedule)
    class_weight : None, ``'balanced'`` or a list of per-label ``pos_weight`` values for the BCE loss
    seed : seeds torch, numpy and the validation split (same seed + same data → same model on CPU)
    device : ``'auto'``, ``'cpu'`` or ``'cuda'``
    precision : ``'fp32'``, ``'bf16'`` or ``'fp16'`` (mixed precision; CUDA only, fp32 on CPU)
    early_stopping_patience : epochs without validation improvement before stopping (None: never)
    val_fraction : share of documents held out for early stopping and threshold tuning
    quantize : None or ``'int8'`` (dynamic int8 quantisation of Linear layers for CPU inference)
    eval_batch_size : windows per forward pass in prediction
    """

    family = "transformer"

    def __init__(self, *, codebook=None, base_model: str | None = None, max_length: int = 256, stride: int = 64,
                 pooling: str = "max", epochs: int = 3, batch_size: int = 16, lr: float = 5e-5,
                 weight_decay: float = 0.01, warmup_ratio: float = 0.1, grad_accum: int = 1,
                 class_weight=None, seed: int = 0, device: str = "auto", precision: str = "fp32",
                 early_stopping_patience: int | None = 2, val_fraction: float = 0.2, quantize: str | None = None,
                 eval_batch_size: int = 64):
        self.codebook = codebook
        self.base_model = base_model
        self.max_length = max_length
        self.stride = stride
        self.pooling = pooling
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

    # ---- settings checks ---------------------------------------------------------------------
    def _check_settings(self) -> None:
        if self.pooling not in ("max", "mean"):
            raise ValueError(f"pooling must be 'max' or 'mean', got {self.pooling!r}")
        if self.quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', got {self.quantize!r}")
        if self.stride >= self.max_length // 2:
            raise ValueError(f"stride ({self.stride}) must be below half of max_length ({self.max_length})")

    # ---- training ----------------------------------------------------------------------------
    def fit(self, docs: Sequence, Y: Any, **fit_params) -> "TransformerClassifier":
        """Fine-tune ``base_model`` on documents and their binary label matrix (codebook order)."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self._check_settings()
        docs = list(docs)
        Y = self._check_Y(docs, Y)
        if not docs:
            raise ValueError("fit needs at least one labelled document")
        base = check_base_model(self.base_model, self.family)
        cb = self.codebook_
        L = cb.n_labels
        device = resolve_device(self.device)
        t0 = time.perf_counter()
        seed_everything(self.seed)
        tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            base, local_files_only=True, num_labels=L, problem_type="multi_label_classification",
            id2label=dict(enumerate(cb.label_ids)), label2id={l: i for i, l in enumerate(cb.label_ids)},
            ignore_mismatched_sizes=True).to(device)
        check_max_length(self, model, tok, base, clamp=False)
        template = SpecialTemplate.from_tokenizer(tok)
        tr, va = split_validation(len(docs), self.val_fraction, self.seed)
        win = encode_windows(tok, [docs[i] for i in tr], max_length=self.max_length, stride=self.stride,
                             template=template)
        targets = torch.from_numpy(Y[tr][win.doc].astype(np.float32))
        pw = pos_weights(Y[tr], self.class_weight)
        bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw, dtype=torch.float32, device=device)
                                         if pw is not None else None)

        def loss_fn(logits, idx):
            return bce(logits, targets[idx].to(device))

        val_docs = [docs[i] for i in va]
        val_win = encode_windows(tok, val_docs, max_length=self.max_length, stride=self.stride,
                                 template=template) if len(va) else None
        Yv = Y[va]

        def val_probs() -> np.ndarray:
            logits = forward_windows(model, val_win, template, batch_size=self.eval_batch_size, device=device,
                                     precision=self.precision)
            return pool_windows(1 / (1 + np.exp(-logits)), val_win.doc, len(va), self.pooling)

        def validate() -> float:
            P = np.clip(val_probs(), 1e-7, 1 - 1e-7)
            return float(-np.mean(Yv * np.log(P) + (1 - Yv) * np.log(1 - P)))

        t1 = time.perf_counter()
        hist = train_loop(model, win, template, loss_fn, epochs=int(self.epochs), batch_size=self.batch_size,
                          grad_accum=self.grad_accum, lr=self.lr, weight_decay=self.weight_decay,
                          warmup_ratio=self.warmup_ratio, device=device, precision=self.precision, seed=self.seed,
                          validate=validate if val_win is not None else None,
                          patience=self.early_stopping_patience)
        train_s = time.perf_counter() - t1
        self.model_, self.tokenizer_, self.template_, self.device_ = model.eval(), tok, template, device
        self._qmodel_ = None
        val = {}
        if val_win is not None:
            Pv = val_probs()
            self.thresholds_ = tune_thresholds(Pv, Yv)
            val = _val_metrics(Pv, Yv, self.thresholds_, cb.label_ids)
        else:
            self.thresholds_ = np.full(L, 0.5)
        self.training_ = {
            "base_model": str(self.base_model), "device": device, "precision": self.precision,
            "n_docs": len(docs), "n_train_docs": int(len(tr)), "n_val_docs": int(len(va)),
            "n_train_windows": len(win.ids),
            "positives": {lid: int(c) for lid, c in zip(cb.label_ids, Y.sum(0))},
            "epochs_run": hist["epochs_run"], "best_epoch": hist["best_epoch"],
            "train_loss": hist["train_loss"], "val_loss": hist["val_loss"], "validation": val,
            "seconds": round(time.perf_counter() - t0, 3),
            "train_docs_per_s": round(len(tr) * hist["epochs_run"] / max(train_s, 1e-9), 3),
        }
        return self

    # ---- prediction --------------------------------------------------------------------------
    def _inference_model(self):
        if not hasattr(self, "model_"):
            raise ModelError("the transformer model is not fitted: call fit(docs, Y) or load a model folder")
        if self.quantize == "int8":
            if getattr(self, "_qmodel_", None) is None:
                self._qmodel_ = quantize_int8(self.model_)
            return self._qmodel_, "cpu"
        return self.model_, self.device_

    def predict_proba(self, docs: Sequence) -> np.ndarray:
        """Probabilities (n_docs, n_labels) in codebook order; windows pooled per document."""
        docs = list(docs)
        L = self.codebook_.n_labels
        if not docs:
            return np.zeros((0, L))
        model, device = self._inference_model()
        win = encode_windows(self.tokenizer_, docs, max_length=self.max_length, stride=self.stride,
                             template=self.template_)
        logits = forward_windows(model, win, self.template_, batch_size=self.eval_batch_size, device=device,
                                 precision=self.precision)
        return pool_windows(1 / (1 + np.exp(-logits.astype(np.float64))), win.doc, len(docs), self.pooling)

    # ---- persistence -------------------------------------------------------------------------
    def _save_weights(self, path: Path) -> list[str]:
        if not hasattr(self, "model_"):
            raise ModelError("cannot save an unfitted transformer model: call fit() first")
        return save_hf(self.model_, self.tokenizer_, path)

    def _load_weights(self, path: Path, config: dict) -> None:
        model, tok = load_hf(path)
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if labels != list(config["labels"]):
            raise ModelError(f"{path}/{HF_DIR}/config.json: id2label {labels} disagrees with config.json labels "
                             f"{config['labels']}; the folder was edited or mixed up")
        check_max_length(self, model, tok, Path(path) / HF_DIR, clamp=True)  # folders saved before the check
        self.device_ = resolve_device(self.device)
        self.model_ = model.to(self.device_).eval()
        self.tokenizer_ = tok
        self.template_ = SpecialTemplate.from_tokenizer(tok)
        self._qmodel_ = None


def _val_metrics(P: np.ndarray, Y: np.ndarray, th: np.ndarray, label_ids: Sequence[str]) -> dict:
    Yhat = P >= th[None, :]
    f1 = f1_per_label(Y, Yhat)
    tp = int((Yhat & (Y > 0)).sum())
    denom = int(Yhat.sum() + (Y > 0).sum())
    return {"micro_f1": round(2 * tp / denom, 4) if denom else 0.0,
            "macro_f1": round(float(f1.mean()), 4),
            "f1": {lid: round(float(v), 4) for lid, v in zip(label_ids, f1)}}
