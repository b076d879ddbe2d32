"""``silkframe extract`` and ``silkframe extract-eval``: actor/partner/format/sister-city codes."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def _errors_path(out: Path) -> Path:
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".errors.jsonl")


def _load_gazetteer(reference: Optional[Path], registry: Optional[List[Path]]):
    from nlp.actors import Gazetteer, GazetteerError

    try:
        return Gazetteer.load(reference, registry or None)
    except GazetteerError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    @app.command("extract")
    def extract_cmd(
        inputs: List[str] = typer.Argument(..., help="Input files/folders (JSONL, CSV, Parquet, .txt, .html) or '-'."),
        out: Path = typer.Option(..., "--out", "-o", help="Output JSONL: one record per input document."),
        reference: Optional[Path] = typer.Option(None, "--reference", help="Reference folder (e.g. ../shared/reference): "
                                                 "country table for zh names and development status, Wikipedia sister cities."),
        registry: Optional[List[Path]] = typer.Option(None, "--registry", help="Sister-city registry CSV "
                                                      "(chinese_city, chinese_province, partner_city, partner_country_iso3, since); repeatable."),
        development: str = typer.Option("m49-2020", "--development", help="m49-2020 | wb-income | wb-income:FY21 ..."),
        text_field: str = typer.Option("text", "--text-field", help="Field holding the text (e.g. 'answer')."),
        id_field: str = typer.Option("id", "--id-field", help="Field holding the document id."),
    ) -> None:
        """Code who acted, with whom (ISO3), in what format, sister-city ties and development status."""
        from nlp.actors import DEVELOPMENT_SCHEMES, extract_records
        from nlp.corpus import ErrorRecord, iter_records, write_errors, write_jsonl

        if development not in DEVELOPMENT_SCHEMES:
            typer.echo(f"error: --development must be one of {', '.join(DEVELOPMENT_SCHEMES)}", err=True)
            raise typer.Exit(2)
        gaz = _load_gazetteer(reference, registry)
        errors: list = []

        def docs_only():
            for rec in extract_records(iter_records(inputs, text_field=text_field, id_field=id_field), gaz,
                                       development=development):
                if isinstance(rec, ErrorRecord):
                    errors.append(rec)
                else:
                    yield rec

        n = write_jsonl(docs_only(), out)
        msg = f"{n} records → {out}"
        if errors:
            write_errors(errors, _errors_path(out))
            msg += f"; {len(errors)} errors → {_errors_path(out)}"
        if not gaz.has_reference:
            msg += "; development null (no --reference)"
        typer.echo(msg, err=True)

    @app.command("extract-eval")
    def extract_eval_cmd(
        gold: Path = typer.Option(Path("corpora/extraction_gold/gold.jsonl"), "--gold", help="Gold JSONL with text and hand codes."),
        reference: Optional[Path] = typer.Option(None, "--reference", help="Reference folder (see `silkframe extract`)."),
        registry: Optional[List[Path]] = typer.Option(None, "--registry", help="Extra sister-city registry CSV; repeatable."),
        predictions: Optional[Path] = typer.Option(None, "--predictions", help="Also write the predictions as JSONL."),
    ) -> None:
        """Precision/recall of partner extraction, actor/format/sister-city accuracy on a gold set."""
        from nlp.actors import evaluate_gold, format_report

        gaz = _load_gazetteer(reference, registry)
        try:
            res, preds = evaluate_gold(gold, gaz)
        except (OSError, ValueError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        if predictions:
            from nlp.corpus import write_jsonl

            write_jsonl(preds, predictions)
        typer.echo(format_report(res))
