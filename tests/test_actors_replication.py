"""The paper's published aggregates from the project's reconstructed activities table (issue 6)."""
from __future__ import annotations

import pytest

from nlp.actors import crosstab, read_table


@pytest.fixture(scope="module")
def table(repo_dir):
    return list(read_table(repo_dir / "corpora/replication/paper_activities.csv"))


def test_sichuan_aid_cases(table):
    s = {"set": "sichuan_aid"}
    fmt = crosstab(table, "format", filters=s)
    assert (fmt.n, fmt.count("bilateral"), fmt.count("multilateral")) == (33, 29, 4)
    twin = crosstab(table, "sister_city", filters=s)
    assert (twin.count("true"), twin.n) == (11, 33)
    assert round(twin.percent("true"), 1) == 33.3  # not the 18% the paper's text states
    dev = crosstab(table, "development", filters=s)
    assert (dev.count("developed"), dev.count("developing")) == (17, 16)
    assert set(crosstab(table, "actor", filters=s).row_values) == {"Chengdu", "Sichuan"}


def test_guangdong_meetings(table):
    g = {"set": "guangdong_meetings"}
    fmt = crosstab(table, "format", filters=g)
    assert (fmt.n, fmt.count("multilateral"), fmt.count("bilateral")) == (25, 12, 13)
    # "4/13 sister-city": 4 of the 13 bilateral meetings were with sister cities
    sis = crosstab(table, "format", "sister_city", filters=g)
    assert (sis.count("bilateral", "true"), sis.row_totals["bilateral"]) == (4, 13)
    assert sis.count("multilateral", "true") == 0
    cat = crosstab(table, "silk_road_category", filters=g)
    assert [(c, cat.count(c), round(cat.percent(c))) for c in ("digital", "general", "health")] == \
        [("digital", 14, 56), ("general", 8, 32), ("health", 3, 12)]
    # "7+2": partners in 7 countries plus 2 multilateral bodies
    countries = crosstab(table, "partner_iso3", filters=g)
    assert len([v for v in countries.row_values if v != "(missing)"]) == 7
    bodies = crosstab(table, "partner_body", filters=g)
    assert len([v for v in bodies.row_values if v != "(missing)"]) == 2


def test_cli_prints_the_papers_table(repo_dir):
    from typer.testing import CliRunner

    from nlp.cli import app

    res = CliRunner().invoke(app, ["crosstab", str(repo_dir / "corpora/replication/paper_activities.csv"),
                                   "--rows", "set", "--cols", "silk_road_category"])
    assert res.exit_code == 0, res.output
    assert "| guangdong_meetings | 14 (56.0%) | 8 (32.0%) | 3 (12.0%) | 25 |" in res.output
    res = CliRunner().invoke(app, ["crosstab", str(repo_dir / "corpora/replication/paper_activities.csv"),
                                   "--rows", "format", "--filter", "set=sichuan_aid", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[1:] == ["bilateral,all,29,33,87.9", "multilateral,all,4,33,12.1"]


@pytest.mark.shared
def test_recorded_development_matches_reference(table, shared_dir):
    from nlp.actors import Gazetteer

    gaz = Gazetteer.load(shared_dir / "reference", wikipedia_pairs=False)
    for row in table:
        if row["partner_iso3"]:
            assert gaz.development_status(row["partner_iso3"], "m49-2020") == row["development"], row["case_id"]
