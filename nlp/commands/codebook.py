"""``silkframe codebook``: show and validate a codebook file."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("codebook")
    def codebook_cmd(
        codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook YAML/JSON (default: bundled v1.1)."),
    ) -> None:
        """Validate a codebook and list its labels in model column order."""
        from nlp.codebook import CodebookError, load_codebook

        try:
            cb = load_codebook(codebook)
        except CodebookError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        typer.echo(cb.describe())
