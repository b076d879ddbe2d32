"""``silkframe trend``: framing over time (storytelling index, themes, Silk Road) by period and group."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("trend")
    def trend_cmd(
        tagged: Path = typer.Argument(..., help="Output of `silkframe tag` (JSONL/CSV/Parquet) or hand-coded data with dates and labels."),
        out: Path = typer.Option(..., "--out", help="Folder for trend.csv, plots (PNG+SVG), summary.md, trend.meta.json, errors.jsonl."),
        by: str = typer.Option("month", "--by", help="Period: month, week (ISO) or quarter."),
        group: Optional[str] = typer.Option(None, "--group", help="Field to compare groups by: source, lang or any record field."),
        among: Optional[str] = typer.Option(None, "--among", help="Restrict denominators to documents with this label (e.g. covid, the context label)."),
        measure: str = typer.Option("labels", "--measure", help="labels (thresholded, Wilson intervals) or probs (mean probabilities)."),
        smooth: Optional[int] = typer.Option(None, "--smooth", help="Also write a trailing n-weighted rolling share over K periods (column `smoothed`)."),
        min_n: int = typer.Option(10, "--min-n", help="Flag periods with fewer documents (low_n); they are kept."),
        events: Optional[Path] = typer.Option(None, "--events", help="CSV with date,label to annotate on the plots (e.g. corpora/events.csv)."),
        tz: str = typer.Option("Asia/Shanghai", "--tz", help="Time zone aware datetimes are converted to before bucketing."),
        date_field: str = typer.Option("date", "--date-field", help="Record field holding the date."),
        no_plots: bool = typer.Option(False, "--no-plots", help="Skip the PNG/SVG charts."),
        codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook YAML/JSON (default: bundled v1.1)."),
    ) -> None:
        """Measure framing over time: storytelling index, theme and Silk Road shares per period and group."""
        from nlp.codebook import CodebookError, load_codebook
        from nlp.trends import TrendError, build_trend_report

        try:
            cb = load_codebook(codebook)
            result = build_trend_report(tagged, out, cb, events=events, plots=not no_plots, by=by, group=group,
                                        among=among, measure=measure, smooth=smooth, min_n=min_n, tz=tz,
                                        date_field=date_field)
        except (CodebookError, TrendError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        c = result.counts
        typer.echo(f"{c['used']} documents in {len(result.periods)} {by}s x {len(result.groups)} group(s); "
                   f"{c['errors']} record(s) with errors -> {out / 'errors.jsonl'}", err=True)
        if c["used"] == 0:
            typer.echo(f"error: no usable records in {tagged}; see {out / 'errors.jsonl'} for the reason of each", err=True)
            raise typer.Exit(1)
        typer.echo(str(out / "trend.csv"))
