"""``silkframe train``: fit a model family on hand-coded files and write a model folder."""
from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_cmd(
        model: str = typer.Option("linear", "--model", "-m", help="Model family: lexicon, linear, transformer, nli."),
        train: List[Path] = typer.Option(..., "--train", help="Gold JSONL/CSV file(s) with a 'labels' list per record (repeatable)."),
        out: Path = typer.Option(..., "--out", help="Model folder to write (a model folder already there is replaced once training succeeds)."),
        base_model: Optional[str] = typer.Option(None, "--base-model", help="Local Hugging Face checkpoint folder (transformer, nli)."),
        settings: Optional[str] = typer.Option(None, "--settings", help='Family settings as JSON, e.g. \'{"C": 4}\'.'),
        cv: int = typer.Option(0, "--cv", help="Also cross-validate with K folds and put the figures in the model card."),
        cross_genre: bool = typer.Option(False, "--cross-genre", help="With --cv: add the train-genre × test-genre matrix."),
        genre_power: float = typer.Option(0.5, "--genre-power", help="Genre balancing: 0 = none, 1 = equal weight per genre."),
        seed: int = typer.Option(0, "--seed"),
        device: Optional[str] = typer.Option(None, "--device", help="cpu or cuda (transformer, nli)."),
        codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook YAML/JSON (default: bundled v1.1)."),
    ) -> None:
        """Train a model on hand-coded labels and save it as a model folder with a model card."""
        from nlp.classifiers import ModelError
        from nlp.codebook import CodebookError, load_codebook
        from nlp.training import train_model

        try:
            opts = json.loads(settings) if settings else {}
        except ValueError as e:
            typer.echo(f"error: --settings is not valid JSON ({e})", err=True)
            raise typer.Exit(2)
        if not isinstance(opts, dict):
            typer.echo(f"error: --settings must be a JSON object, e.g. '{{\"C\": 4}}', got {settings}", err=True)
            raise typer.Exit(2)
        if base_model:
            opts["base_model"] = base_model
        if device:
            opts["device"] = device
        cmd = "silkframe " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        try:
            m = train_model(model, train, out, codebook=load_codebook(codebook), settings=opts, cv=cv, seed=seed,
                            genre_power=genre_power, cross_genre=cross_genre, command=cmd)
        except (CodebookError, ModelError, ValueError, OSError) as e:  # bad input: a message, not a traceback
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        cvr = m.training_.get("cv")
        if cvr:
            typer.echo(f"cross-validated macro-F1 {cvr['macro_f1']:.3f}  micro-F1 {cvr['micro_f1']:.3f}")
            for lid, s in cvr["per_label"].items():
                typer.echo(f"  {lid:<22} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  n={s['support']}")
        typer.echo(f"model written to {out}")
