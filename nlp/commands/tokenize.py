"""``silkframe tokenize``: show how Silkframe segments documents (language, tokens)."""
from __future__ import annotations

import json
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("tokenize")
    def tokenize_cmd(
        files: Optional[List[str]] = typer.Argument(None, help="Input files, folders or globs; '-' or none = stdin."),
        engine: str = typer.Option("rjieba", "--engine", help="Chinese segmenter: rjieba or jieba (identical tokens)."),
        fmt: str = typer.Option("text", "--format", help="Output: 'text' (id<TAB>lang<TAB>tokens) or 'jsonl' ({id, lang, tokens})."),
        text_field: str = typer.Option("text", "--text-field", help="Field holding the text (JSONL/CSV/Parquet)."),
        id_field: str = typer.Option("id", "--id-field", help="Field holding the id; missing ids become FILE:LINE."),
        input_format: Optional[str] = typer.Option(None, "--input-format", help="Force the input format (jsonl, csv, tsv, parquet, txt, txt-doc, html); stdin defaults to jsonl, use txt for plain lines."),
    ) -> None:
        """Normalise each document, detect its language and print its tokens.

        Unusable input records are reported on stderr (file:line: reason); exit code 1 if any.
        """
        from nlp.tokenizer import ENGINES, tokenize_files

        if engine not in ENGINES:
            typer.echo(f"error: --engine must be one of {', '.join(ENGINES)}, got {engine!r}", err=True)
            raise typer.Exit(2)
        if fmt not in ("text", "jsonl"):
            typer.echo(f"error: --format must be text or jsonl, got {fmt!r}", err=True)
            raise typer.Exit(2)
        n_err = 0
        try:
            for out in tokenize_files(files or ["-"], engine=engine, text_field=text_field,
                                      id_field=id_field, fmt=input_format):
                if "error" in out:
                    e = out["error"]
                    n_err += 1
                    where = f"{e.file}:{e.line}" if e.line is not None else str(e.file)
                    typer.echo(f"error: {where}: {e.reason}", err=True)
                elif fmt == "jsonl":
                    typer.echo(json.dumps(out, ensure_ascii=False))
                else:
                    typer.echo(f"{out['id']}\t{out['lang']}\t{' '.join(out['tokens'])}")
        except (ValueError, FileNotFoundError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        if n_err:
            raise typer.Exit(1)
