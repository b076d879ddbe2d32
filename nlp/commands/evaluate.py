"""``silkframe evaluate``: an agreement-aware evaluation report against hand-coded labels."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_cmd(
        gold: Optional[Path] = typer.Option(None, "--gold", help="Gold JSONL/CSV with 'labels' (and optional coder_* lists)."),
        model: Optional[List[Path]] = typer.Option(None, "--model", help="Model folder; repeat to compare models."),
        out: Path = typer.Option(Path("reports/evaluation"), "--out", help="Report folder (metrics.json, report.md/html, PNGs)."),
        predictions: Optional[Path] = typer.Option(None, "--predictions", help="Predictions made elsewhere or by `silkframe tag` (JSONL id/labels/probs, CSV or Parquet id/labels/p_<label>)."),
        cv: Optional[int] = typer.Option(None, "--cv", min=2, help="K-fold cross-validation on the gold/--train file."),
        model_family: Optional[str] = typer.Option(None, "--model-family", help="Family to cross-validate (e.g. linear, lexicon)."),
        train: Optional[Path] = typer.Option(None, "--train", help="With --cv: the labelled file to cross-validate (same as --gold)."),
        by: str = typer.Option("", "--by", help="Breakdown fields, comma-separated (e.g. source,lang; 'source+lang' crosses)."),
        n_boot: int = typer.Option(1000, "--n-boot", min=1, help="Bootstrap replicates for 95% CIs."),
        seed: int = typer.Option(0, "--seed", help="Random seed (bootstrap, folds)."),
        learning_curve: bool = typer.Option(False, "--learning-curve", help="With --cv: macro-F1 vs training-set size."),
        codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook YAML/JSON (default: bundled v1.1)."),
    ) -> None:
        """Evaluate models or predictions against gold labels and write a report folder."""
        from nlp.classifiers.base import ModelError
        from nlp.codebook import CodebookError
        from nlp.evaluation.report import summary_table, write_report
        from nlp.evaluation.run import EvaluationInputError, run_evaluation

        if gold and train and gold.resolve() != train.resolve():
            typer.echo("error: --gold and --train name different files; cross-validation evaluates one labelled "
                       "file (give it once), a held-out file is evaluated with --model and --gold", err=True)
            raise typer.Exit(2)
        if train and not cv:
            typer.echo("error: --train is only used with --cv K", err=True)
            raise typer.Exit(2)
        gold_path = gold or train
        if gold_path is None:
            typer.echo("error: give --gold FILE (or --train FILE with --cv)", err=True)
            raise typer.Exit(2)
        fields = tuple(f.strip() for f in by.split(",") if f.strip())
        try:
            result = run_evaluation(gold=gold_path, models=list(model or ()), predictions=predictions, cv=cv,
                                    model_family=model_family, by=fields, n_boot=n_boot, seed=seed,
                                    learning_curve=learning_curve, codebook=codebook)
        except (EvaluationInputError, CodebookError, ModelError, ValueError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        paths = write_report(result, out)
        typer.echo(summary_table(result))
        typer.echo(f"report: {paths['html']}  (metrics: {paths['json']})")
