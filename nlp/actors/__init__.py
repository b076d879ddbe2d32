"""Actor/partner coding: who acted, with whom, in what format (issue 6).

- :class:`Gazetteer` — Chinese admin units, foreign countries/cities, multilateral bodies,
  sister-city registries and development status (``Gazetteer.load(reference_dir, registry)``).
- :func:`extract` / :func:`extract_fields` / :func:`extract_records` — codes per document.
- :func:`crosstab` — the paper's tables from coded records.
- :func:`evaluate_extraction` — precision/recall against hand codes.
"""
from nlp.actors.crosstab import CrossTab, crosstab, read_table
from nlp.actors.evaluate import evaluate_extraction, evaluate_gold, format_report
from nlp.actors.extract import FLAT_FIELDS, extract, extract_fields, extract_records
from nlp.actors.gazetteer import DEVELOPMENT_SCHEMES, Gazetteer, GazetteerError

__all__ = ["Gazetteer", "GazetteerError", "DEVELOPMENT_SCHEMES", "extract", "extract_fields",
           "extract_records", "FLAT_FIELDS", "crosstab", "CrossTab", "read_table",
           "evaluate_extraction", "evaluate_gold", "format_report"]
