"""``silkframe crosstab``: counts and percentages of two coded fields (the paper's tables)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("crosstab")
    def crosstab_cmd(
        tagged: Path = typer.Argument(..., help="Tagged/extracted JSONL or a CSV table (e.g. corpora/replication/paper_activities.csv)."),
        rows: str = typer.Option(..., "--rows", help="Row field, e.g. actor, format, set."),
        cols: Optional[str] = typer.Option(None, "--cols", help="Column field, e.g. silk_road_category (omit for a one-way count)."),
        filter_: Optional[List[str]] = typer.Option(None, "--filter", help="field=value; repeatable (all must hold)."),
        normalize: str = typer.Option("index", "--normalize", help="Percent of: index (row n) | columns | all (N)."),
        fmt: str = typer.Option("md", "--format", help="md | csv"),
    ) -> None:
        """Cross-tabulate two coded fields; list fields (partners) are exploded, denominators shown."""
        from nlp.actors.crosstab import crosstab, parse_filters, read_table

        if fmt not in ("md", "csv"):
            typer.echo("error: --format must be md or csv", err=True)
            raise typer.Exit(2)
        try:
            table = crosstab(read_table(tagged), rows, cols, normalize=normalize, filters=parse_filters(filter_))
        except (OSError, ValueError, KeyError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        typer.echo(table.to_markdown() if fmt == "md" else table.to_csv(), nl=False)
