"""``silkframe predict``: tag a small input with a model and print a per-document table (or JSONL)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("predict")
    def predict_cmd(
        inputs: List[str] = typer.Argument(..., help="Input file(s): JSONL, CSV, Parquet, TXT, folders of .txt/.html, or - for stdin."),
        model: Path = typer.Option(Path("models/default"), "--model", "-m", help="Model folder."),
        fmt: str = typer.Option("table", "--format", help="table (human-readable) or jsonl."),
        text_field: str = typer.Option("text", "--text-field"),
        id_field: str = typer.Option("id", "--id-field"),
        codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook the model was trained with (default: bundled)."),
        t2s: bool = typer.Option(False, "--t2s", help="Convert Traditional Chinese to Simplified before the model reads it."),
    ) -> None:
        """Tag documents with a model and print labels per document (for small inputs; see `tag` for batches).

        Unusable input records are reported on stderr (file:line: reason); exit code 1 if any.
        """
        from nlp.classifiers import ModelError
        from nlp.codebook import CodebookError, load_codebook
        from nlp.corpus import read_documents
        from nlp.predict import predict_records, render_table

        if fmt not in ("table", "jsonl"):
            typer.echo(f"error: unknown --format {fmt!r}; choose table or jsonl", err=True)
            raise typer.Exit(2)
        try:
            cb = load_codebook(codebook)
        except CodebookError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        docs, errors = read_documents(inputs, text_field=text_field, id_field=id_field)
        try:
            records = predict_records(docs, model, codebook=cb, t2s=t2s)
        except ModelError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        if fmt == "jsonl":
            for r in records:
                typer.echo(json.dumps(r, ensure_ascii=False))
        else:
            typer.echo(render_table(records, cb))
        for e in errors:
            typer.echo(f"error record: {e}", err=True)
        if errors:
            typer.echo(f"{len(errors)} input record(s) could not be read (see above)", err=True)
            raise typer.Exit(1)
