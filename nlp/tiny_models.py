"""Tiny local transformer checkpoints built from configs: no downloads, built in seconds.

Tests, the README examples and the benchmarks need a BERT checkpoint folder that
``AutoModelForSequenceClassification.from_pretrained(path)`` accepts. This module builds one
from a config (random weights) plus a WordPiece tokenizer trained with the ``tokenizers``
library on local text: ``corpora/samples/*.jsonl`` and ``corpora/local/*.jsonl`` when present,
the codebook's cues and hypotheses, and a small built-in bilingual text.

With ``nli=True`` the model has a 3-way head whose ``config.id2label`` is
entailment/neutral/contradiction, which is what the ``nli`` family expects of a real NLI model.

Note: with transformers 5, ``BertTokenizer(vocab_file=...)`` silently yields a 5-token vocabulary;
here the tokenizer is built with ``tokenizers`` (a WordPiece model from an explicit ``vocab``) and
wrapped with ``PreTrainedTokenizerFast(tokenizer_object=...)``.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable

__all__ = ["build_tiny_model", "train_wordpiece", "local_texts", "NLI_LABELS"]

log = logging.getLogger(__name__)

NLI_LABELS = ("entailment", "neutral", "contradiction")

_BUILTIN_TEXT = """\
外交部发言人表示，中国以公开透明负责任的态度，第一时间向世卫组织和国际社会通报疫情信息，为世界争取了宝贵时间。
我们坚决反对将病毒污名化、政治化，病毒没有国籍，不应贴标签。
一些国家采取过度反应的旅行限制和入境限制措施，制造恐慌，世卫组织不建议实施旅行和贸易限制。
中国向多个国家捐赠口罩、防护服、呼吸机和检测试剂等医疗物资，派出医疗专家组，通过视频连线分享抗疫经验。
健康丝绸之路建设推动卫生合作，共建一带一路国家在疫苗研发和公共卫生领域开展合作。
数字丝绸之路促进数字经济、电子商务、5G、人工智能、大数据和智慧城市合作。
成都与广州举办经贸合作论坛，签署友好城市合作协议，推动文化交流和旅游发展。
今年春节期间，市民游览公园，观看灯会，品尝美食。
The spokesperson said China acted in an open, transparent and responsible manner and bought valuable time for the world.
We oppose any attempt to stigmatize China or politicize the virus; the virus has no nationality.
Some countries imposed travel bans and entry restrictions, an overreaction that creates panic; the WHO advises against travel and trade restrictions.
China donated masks, protective suits, ventilators and test kits, and sent medical expert teams to share experience by video conference.
The Health Silk Road promotes health cooperation and vaccine cooperation among Belt and Road countries.
The Digital Silk Road promotes cooperation in the digital economy, e-commerce, 5G, artificial intelligence, big data and smart cities.
Chengdu and Guangzhou held a trade forum and signed sister city agreements to promote cultural exchange and tourism.
During the Spring Festival, residents visited parks, watched lantern shows and enjoyed local food.
"""


def local_texts(repo_dir: str | Path | None = None, *, limit: int = 20000) -> list[str]:
    """Text to train a tokenizer on: local JSONL samples, codebook cues/hypotheses, built-in text.

    Reads the ``text`` (and ``title``) fields of ``corpora/samples/**/*.jsonl`` and
    ``corpora/local/**/*.jsonl`` under ``repo_dir`` (default: the checkout), at most ``limit`` records.
    """
    repo = Path(repo_dir) if repo_dir else Path(__file__).resolve().parents[1]
    texts: list[str] = []
    for sub in ("corpora/samples", "corpora/local"):
        for f in sorted((repo / sub).glob("**/*.jsonl")):
            try:
                lines = f.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as e:
                log.warning("%s: skipped for tokenizer training (%s)", f, e)
                continue
            for line in lines:
                if len(texts) >= limit:
                    break
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rec, dict):
                    texts.extend(str(rec[k]) for k in ("title", "text") if rec.get(k))
    try:
        from nlp.codebook import load_codebook

        cb = load_codebook()
        for lab in cb.labels:
            texts.extend(lab.hypothesis.values())
            texts.extend(lab.name.values())
            for phrases in lab.cues.values():
                texts.append(" ".join(phrases))
    except Exception as e:  # the tokenizer still trains on the built-in text
        log.warning("codebook not readable for tokenizer training (%s)", e)
    texts.extend(_BUILTIN_TEXT.splitlines())
    return texts


def train_wordpiece(texts: Iterable[str], *, vocab_size: int = 3000, model_max_length: int = 512):
    """Build a lower-casing WordPiece tokenizer from text, deterministically.

    The vocabulary is every character seen (alone and as a ``##`` continuation) plus the most
    frequent whole words (ties broken alphabetically) up to ``vocab_size``; CJK characters are split
    one per token (BERT normaliser). Unlike ``tokenizers``' trainer, whose tie-breaking depends on
    hash order, the same text always gives the same vocabulary, hence reproducible tiny models.

    Returns a ``transformers.PreTrainedTokenizerFast`` with BERT special tokens and a
    ``[CLS] A [SEP] B [SEP]`` post-processor.
    """
    from collections import Counter

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    words: Counter = Counter()
    for t in texts:
        words.update(w for w, _ in pre.pre_tokenize_str(norm.normalize_str(str(t))))
    chars = sorted({c for w in words for c in w})
    vocab = specials + chars + [f"##{c}" for c in chars]
    seen = set(vocab)
    for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(vocab) >= vocab_size:
            break
        if w not in seen:
            vocab.append(w)
            seen.add(w)
    tok = Tokenizer(models.WordPiece(vocab={w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = norm
    tok.pre_tokenizer = pre
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))])
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=model_max_length,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"])


def build_tiny_model(out: str | Path, *, nli: bool = False, layers: int = 2, hidden: int = 64, heads: int = 2,
                     intermediate: int | None = None, vocab_size: int = 3000, max_position: int = 512,
                     seed: int = 0, initializer_range: float = 0.02, dropout: float = 0.1,
                     texts: Iterable[str] | None = None,
                     tokenizer=None) -> Path:
    """Write a randomly initialised BERT checkpoint folder (config, safetensors, tokenizer).

    Parameters
    ----------
    out : folder to write (created)
    nli : 3-label head with ``id2label`` entailment/neutral/contradiction; else a 2-label head
        (the ``transformer`` family replaces the head with one for the codebook's labels)
    layers, hidden, heads, intermediate : BERT size (``intermediate`` defaults to 4 × hidden)
    vocab_size : WordPiece vocabulary size to train (the trained vocabulary may be smaller)
    initializer_range, dropout : BERT config values (tests use a wider init and no dropout so a tiny
        random model learns a toy task in a few epochs)
    texts : tokenizer training text (default: :func:`local_texts`)
    tokenizer : reuse an already trained tokenizer instead of training one

    Returns
    -------
    Path of the folder, loadable with ``from_pretrained(out)``.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if tokenizer is None:
        tokenizer = train_wordpiece(texts if texts is not None else local_texts(), vocab_size=vocab_size,
                                    model_max_length=max_position)
    labels = NLI_LABELS if nli else ("LABEL_0", "LABEL_1")
    cfg = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                     num_attention_heads=heads, intermediate_size=intermediate or 4 * hidden,
                     max_position_embeddings=max_position, initializer_range=initializer_range,
                     hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout, pad_token_id=tokenizer.pad_token_id,
                     id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    torch.manual_seed(seed)
    model = BertForSequenceClassification(cfg)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    log.info("wrote tiny %s BERT (%d layers, hidden %d, vocab %d) to %s",
             "NLI" if nli else "classification", layers, hidden, len(tokenizer), out)
    return out
