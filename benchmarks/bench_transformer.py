"""Throughput of the ``transformer`` family on CPU (fp32 and int8) and, when present, CUDA.

Builds two BERT checkpoints from configs (random weights: throughput does not depend on them)
unless ``--base-model`` is given: a small one (4 layers, hidden 256) and a BERT-base-sized one
(12 layers, hidden 768). For each it measures, at ``--length`` tokens per document:

* fine-tuning docs/s (one epoch, ``TransformerClassifier.fit``),
* inference docs/s and tokens/s (fp32), and int8 dynamic quantisation docs/s on CPU with its
  accuracy change against fp32 on the same documents (max |Δp| and agreement of predicted labels),
* on CUDA (when torch sees a GPU): fine-tuning and inference docs/s, tokens/s (bf16 autocast) and
  peak GPU memory (``torch.cuda.max_memory_allocated``).

No network is used. Default run: a few dozen documents, under ~3 minutes on 2 CPU cores::

    python benchmarks/bench_transformer.py --out out/bench_transformer.json
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIZES = {"small-4x256": dict(layers=4, hidden=256, heads=4), "base-12x768": dict(layers=12, hidden=768, heads=12)}


def synthetic_docs(codebook, n: int, n_words: int, seed: int = 0):
    """Documents of about ``n_words`` words mixing codebook cues and filler; labels from the cues used."""
    rng = np.random.default_rng(seed)
    filler = ("the city held a forum on trade culture tourism and local development with partners "
              "from many countries during the spring festival").split()
    docs, labels = [], []
    for _ in range(n):
        labs = [lid for lid in codebook.label_ids if rng.random() < 0.3]
        words = list(rng.choice(filler, n_words))
        for lid in labs:
            words[int(rng.integers(0, n_words))] = codebook.cues(lid, "en")[0]
        docs.append(" ".join(words))
        labels.append(labs)
    return docs, codebook.to_matrix(labels)


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench_model(name: str, base: Path, codebook, *, n_train: int, n_infer: int, length: int, batch_size: int,
                cuda: bool, n_cuda: int) -> dict:
    import torch

    from nlp.classifiers.transformer import TransformerClassifier
    from nlp.classifiers.windows import encode_windows

    n_words = int(length * 0.8)  # about one window per document
    docs, Y = synthetic_docs(codebook, max(n_train, n_infer), n_words=n_words)
    row: dict = {"model": name, "base_model": str(base), "length": length}
    kw = dict(codebook=codebook, base_model=str(base), max_length=length, stride=32, epochs=1, batch_size=batch_size,
              val_fraction=0.0, seed=0, eval_batch_size=batch_size)
    m = TransformerClassifier(**kw, device="cpu").fit(docs[:n_train], Y[:n_train])
    row["cpu_train_docs_per_s"] = m.training_["train_docs_per_s"]
    infer = docs[:n_infer]
    win = encode_windows(m.tokenizer_, infer, max_length=length, stride=32)
    n_tok = sum(len(x) for x in win.ids)
    row["windows_per_doc"] = round(len(win.ids) / len(infer), 3)
    m.predict_proba(infer[:2])  # warm-up
    P, s = _timed(lambda: m.predict_proba(infer))
    row.update(cpu_infer_docs_per_s=round(len(infer) / s, 2), cpu_infer_tokens_per_s=round(n_tok / s, 1))
    q = TransformerClassifier(**kw, device="cpu", quantize="int8")
    q.model_, q.tokenizer_, q.template_, q.device_, q.thresholds_ = m.model_, m.tokenizer_, m.template_, "cpu", m.thresholds_
    q.predict_proba(infer[:2])
    Pq, s = _timed(lambda: q.predict_proba(infer))
    row.update(cpu_int8_docs_per_s=round(len(infer) / s, 2),
               int8_max_abs_prob_diff=round(float(np.abs(Pq - P).max()), 5),
               int8_label_agreement=round(float((m.decide(P) == m.decide(Pq)).mean()), 5))
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        cdocs, cY = synthetic_docs(codebook, n_cuda, n_words=n_words, seed=1)
        g = TransformerClassifier(**{**kw, "batch_size": 32, "eval_batch_size": 128}, device="cuda",
                                  precision="bf16").fit(cdocs, cY)
        row["cuda_train_docs_per_s"] = g.training_["train_docs_per_s"]
        cwin = encode_windows(g.tokenizer_, cdocs, max_length=length, stride=32)
        g.predict_proba(cdocs[:64])
        torch.cuda.synchronize()
        _, s = _timed(lambda: (g.predict_proba(cdocs), torch.cuda.synchronize()))
        row.update(cuda_infer_docs_per_s=round(len(cdocs) / s, 1),
                   cuda_infer_tokens_per_s=round(sum(len(x) for x in cwin.ids) / s, 1),
                   cuda_peak_mem_gib=round(torch.cuda.max_memory_allocated() / 2**30, 3),
                   cuda_device=torch.cuda.get_device_name(0), cuda_docs=len(cdocs))
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-model", type=Path, help="benchmark this local checkpoint instead of the built ones")
    ap.add_argument("--sizes", default=",".join(SIZES), help=f"built sizes to run (of {', '.join(SIZES)})")
    ap.add_argument("--length", type=int, default=256, help="tokens per document (window size)")
    ap.add_argument("--train-docs", type=int, default=24)
    ap.add_argument("--infer-docs", type=int, default=24)
    ap.add_argument("--base-docs", type=int, default=8, help="documents for the BERT-base-sized model on CPU")
    ap.add_argument("--cuda-docs", type=int, default=2048, help="documents for the CUDA runs")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    ap.add_argument("--out", type=Path, default=REPO / "out" / "bench_transformer.json")
    a = ap.parse_args(argv)

    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    if a.threads:
        torch.set_num_threads(a.threads)
    from nlp.codebook import load_codebook
    from nlp.tiny_models import build_tiny_model, local_texts, train_wordpiece

    cb = load_codebook()
    cuda = torch.cuda.is_available()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if a.base_model:
            models = [(a.base_model.name, a.base_model, a.train_docs, a.infer_docs)]
        else:
            tok = train_wordpiece(local_texts(), vocab_size=8000)
            models = []
            for size in a.sizes.split(","):
                spec = SIZES[size]
                path = build_tiny_model(Path(tmp) / size, tokenizer=tok, **spec)
                n = a.base_docs if size.startswith("base") else None
                models.append((size, path, n or a.train_docs, n or a.infer_docs))
        for name, path, n_train, n_infer in models:
            print(f"benchmarking {name} ...", file=sys.stderr, flush=True)
            rows.append(bench_model(name, path, cb, n_train=n_train, n_infer=n_infer, length=a.length,
                                    batch_size=a.batch_size, cuda=cuda, n_cuda=a.cuda_docs))
    env = {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
           "cpu_threads": torch.get_num_threads(), "machine": platform.machine(), "cuda": cuda}
    cols = ["model", "cpu_train_docs_per_s", "cpu_infer_docs_per_s", "cpu_infer_tokens_per_s", "cpu_int8_docs_per_s",
            "int8_max_abs_prob_diff", "int8_label_agreement", "cuda_train_docs_per_s", "cuda_infer_docs_per_s",
            "cuda_infer_tokens_per_s", "cuda_peak_mem_gib"]
    cols = [c for c in cols if any(c in r for r in rows)]
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r.get(c, "")) for c in cols))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"env": env, "results": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"written to {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
