"""``silkframe tag``: batch tagging — streaming, parallel, resumable, lossless (see :mod:`nlp.tagging`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("tag")
    def tag_cmd(
        inputs: List[str] = typer.Argument(..., help="Input files, folders, globs, or - for stdin (JSONL, CSV, Parquet, TXT, HTML)."),
        model: Path = typer.Option(Path("models/default"), "--model", "-m", help="Model folder."),
        out: Path = typer.Option(..., "--out", "-o", help="Output file; errors go to OUT.errors.jsonl, metadata to OUT.meta.json."),
        fmt: Optional[str] = typer.Option(None, "--format", help="Output format: jsonl, csv or parquet (default: from OUT's extension, .csv or .parquet, else jsonl)."),
        keep: str = typer.Option("", "--keep", help="Comma-separated input fields to copy into the output, e.g. date,source."),
        jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes (local engine)."),
        resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run from OUT.parts/."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Discard an unfinished run and start again."),
        chunk_size: int = typer.Option(1000, "--chunk-size", help="Records per chunk (the unit of parallelism and of resuming)."),
        engine: str = typer.Option("local", "--engine", help="local or dask."),
        scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a LocalCluster)."),
        dask_workers: int = typer.Option(2, "--dask-workers", help="Workers of the LocalCluster when no --scheduler is given."),
        extract: bool = typer.Option(False, "--extract", help="Add actor/partner/format/sister-city fields."),
        reference: Optional[Path] = typer.Option(None, "--reference", help="Reference tables folder for --extract."),
        text_field: str = typer.Option("text", "--text-field"),
        id_field: str = typer.Option("id", "--id-field"),
        date_field: str = typer.Option("date", "--date-field"),
        input_format: Optional[str] = typer.Option(None, "--input-format", help="Force the input format (jsonl, csv, tsv, parquet, txt, txt-doc, html)."),
        encoding: Optional[str] = typer.Option(None, "--encoding", help="Read every input in this encoding (default: detect UTF-8, GB18030 or Big5 per file)."),
        codebook: Optional[Path] = typer.Option(None, "--codebook"),
        t2s: bool = typer.Option(False, "--t2s", help="Convert Traditional Chinese to Simplified before the model reads it (OpenCC; for Hong Kong, Taiwan or overseas sources)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary line on stderr (the JSON summary still goes to stdout)."),
    ) -> None:
        """Tag documents in bulk with a model; every input record yields one output or one error record.

        Writes OUT, OUT.errors.jsonl (file, line, id, reason per unusable record) and OUT.meta.json
        (model, codebook version, counts); prints the summary as JSON on stdout. Exit code 2 on a
        bad model folder, format or an unfinished run (use --resume or --overwrite).
        """
        from nlp.classifiers import ModelError
        from nlp.tagging import TaggingError, TagOptions, Terminated, output_format, tag_files

        opts = TagOptions(model=str(model), fmt=fmt or output_format(out), keep=tuple(k.strip() for k in keep.split(",") if k.strip()), chunk_size=chunk_size,
                          jobs=jobs, engine=engine, scheduler=scheduler, dask_workers=dask_workers, extract=extract,
                          reference=str(reference) if reference else None, codebook=str(codebook) if codebook else None,
                          text_field=text_field, id_field=id_field, date_field=date_field, input_format=input_format,
                          encoding=encoding, t2s=t2s)
        try:
            summary = tag_files(inputs, out, opts, resume=resume, overwrite=overwrite, progress=False if quiet else None)
        except (TaggingError, ModelError, ValueError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        except KeyboardInterrupt as e:
            typer.echo(f"interrupted: finished chunks are kept in {out}.parts/; rerun with --resume to continue", err=True)
            raise typer.Exit(143 if isinstance(e, Terminated) else 130)
        if not quiet:
            typer.echo(str(summary), err=True)
        typer.echo(json.dumps(summary.to_dict()))
