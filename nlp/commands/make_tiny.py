"""``silkframe make-tiny-model``: build a tiny local BERT checkpoint (no downloads) for trials and tests."""
from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("make-tiny-model")
    def make_tiny_model(
        out: Path = typer.Option(..., "--out", help="Folder to write the checkpoint into (created)."),
        nli: bool = typer.Option(False, "--nli", help="3-way NLI head (entailment/neutral/contradiction) for --model nli."),
        layers: int = typer.Option(2, "--layers", help="Transformer layers."),
        hidden: int = typer.Option(64, "--hidden", help="Hidden size (a multiple of --heads)."),
        heads: int = typer.Option(2, "--heads", help="Attention heads."),
        vocab_size: int = typer.Option(3000, "--vocab-size", help="WordPiece vocabulary size to train."),
        seed: int = typer.Option(0, "--seed", help="Seed of the random weights."),
    ) -> None:
        """Build a randomly initialised BERT + WordPiece tokenizer trained on local text.

        The folder works as --base-model for `silkframe train --model transformer` (and, with
        --nli, `--model nli`). Weights are random: useful for trying the pipeline, not for results.
        """
        from nlp.tiny_models import build_tiny_model

        path = build_tiny_model(out, nli=nli, layers=layers, hidden=hidden, heads=heads, vocab_size=vocab_size,
                                seed=seed)
        typer.echo(str(path))
