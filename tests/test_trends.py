"""Framing over time: bucketing, shares, intervals, smoothing, plots and the `silkframe trend` command."""
from __future__ import annotations

import csv
import json
import math
from datetime import date

import numpy as np
import pytest

from nlp.trends import (INDEX, TrendError, compute_trends, mean_interval, newcombe_difference,
                        paired_difference, parse_date, period_bounds, period_key, period_range,
                        read_events, render_summary, wilson_interval)


def _rec(i, d, labels, **kw):
    return {"id": f"d{i}", "date": d, "labels": labels, **kw}


def _row(result, measure, period, group="all"):
    (row,) = [r for r in result.rows if r["measure"] == measure and r["period"] == period and r["group"] == group]
    return row


# ---- dates and periods -------------------------------------------------------------------
@pytest.mark.parametrize("d, by, key", [
    (date(2020, 1, 23), "month", "2020-01"),
    (date(2020, 1, 23), "week", "2020-W04"),
    (date(2020, 1, 23), "quarter", "2020-Q1"),
    (date(2020, 12, 31), "quarter", "2020-Q4"),
    (date(2021, 1, 1), "week", "2020-W53"),   # ISO week belongs to the previous year
    (date(2019, 12, 30), "week", "2020-W01"),
])
def test_period_key(d, by, key):
    assert period_key(d, by) == key


def test_period_bounds_and_range_keep_empty_periods():
    assert period_bounds("2020-W04", "week") == (date(2020, 1, 20), date(2020, 1, 27))
    assert period_bounds("2020-Q4", "quarter") == (date(2020, 10, 1), date(2021, 1, 1))
    assert period_bounds("2020-12", "month") == (date(2020, 12, 1), date(2021, 1, 1))
    assert period_range("2019-11", "2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert period_range("2020-W52", "2021-W01", "week") == ["2020-W52", "2020-W53", "2021-W01"]


def test_utc_timestamp_near_midnight_lands_next_day_in_shanghai():
    assert parse_date("2020-01-22T17:30:00Z") == (date(2020, 1, 23), "day")
    assert parse_date("2020-01-22T17:30:00+00:00", tz="UTC") == (date(2020, 1, 22), "day")
    # naive datetimes and dates are taken as local: no shift
    assert parse_date("2020-01-22T23:30:00") == (date(2020, 1, 22), "day")
    assert parse_date("2020-03") == (date(2020, 3, 1), "month")
    # a UTC timestamp on 31 Jan 17:00 is February in Shanghai
    assert period_key(parse_date("2020-01-31T17:00:00Z")[0], "month") == "2020-02"


@pytest.mark.parametrize("value, reason", [(None, "missing date"), ("", "missing date"),
                                           ("23/01/2020", "unparseable date"), ("2020-13", "month out of range")])
def test_parse_date_reasons(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(value)


def test_missing_and_bad_dates_become_error_records(codebook):
    recs = [_rec(1, "2020-01-05", ["covid"]), _rec(2, None, []), _rec(3, "soon", []),
            {"id": "d4", "labels": []}, _rec(5, "2020-02", [])]
    res = compute_trends(recs, codebook, by="week", file="x.jsonl", lines=[1, 2, 3, 5, 6])
    assert res.counts == {"read": 5, "used": 1, "errors": 4, "excluded_among": 0}
    assert [(e["line"], e["id"]) for e in res.errors] == [(2, "d2"), (3, "d3"), (5, "d4"), (6, "d5")]
    assert res.errors[0] == {"file": "x.jsonl", "line": 2, "id": "d2", "reason": "date: missing date"}
    assert "unparseable date 'soon'" in res.errors[1]["reason"]
    assert "month precision" in res.errors[3]["reason"]
    assert "Records read: 5; used: 1; with errors (see errors.jsonl): 4" in render_summary(res)


def test_unknown_label_and_missing_probs_are_errors(codebook):
    recs = [_rec(1, "2020-01-05", ["not_a_label"]), _rec(2, "2020-01-05", ["covid"])]
    res = compute_trends(recs, codebook)
    assert res.counts["used"] == 1 and "unknown label 'not_a_label'" in res.errors[0]["reason"]
    res = compute_trends(recs[1:], codebook, measure="probs")
    assert res.counts["used"] == 0 and "use --measure labels" in res.errors[0]["reason"]


def test_bad_options_say_what_to_change(codebook):
    with pytest.raises(TrendError, match="use one of: month, week, quarter"):
        compute_trends([], codebook, by="day")
    with pytest.raises(TrendError, match="--among"):
        compute_trends([], codebook, among="pandemic")
    with pytest.raises(TrendError, match="time zone"):
        compute_trends([], codebook, tz="Mars/Olympus")


# ---- intervals ---------------------------------------------------------------------------
def test_wilson_known_values():
    assert [round(x, 4) for x in wilson_interval(5, 10)] == [0.2366, 0.7634]
    assert [round(x, 4) for x in wilson_interval(0, 10)] == [0.0, 0.2775]
    assert [round(x, 4) for x in wilson_interval(10, 10)] == [0.7225, 1.0]
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


@pytest.mark.parametrize("n", [1, 3, 6, 7, 10, 12, 50, 299])
def test_wilson_interval_contains_the_share(n):
    assert wilson_interval(0, n)[0] == 0.0  # was 5.6e-17 for n=3: a low bound above the value
    assert wilson_interval(n, n)[1] == 1.0  # was 0.9999999999999999 for n=10
    for k in range(n + 1):
        low, high = wilson_interval(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0


def test_newcombe_known_value():
    # Newcombe (1998), method 10, example 56/70 vs 48/80: 0.2 (0.0524, 0.3339)
    d, lo, hi = newcombe_difference(56, 70, 48, 80)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)


def test_mean_interval_normal():
    # values 0.2, 0.4, 0.6: mean 0.4, sd 0.2, half = 1.96 * 0.2 / sqrt(3)
    lo, hi = mean_interval(1.2, 0.04 + 0.16 + 0.36, 3)
    half = 1.959963984540054 * 0.2 / math.sqrt(3)
    assert lo == pytest.approx(0.4 - half) and hi == pytest.approx(0.4 + half)
    assert all(math.isnan(x) for x in mean_interval(0.5, 0.25, 1))


# ---- measures ----------------------------------------------------------------------------
JAN = [
    _rec(1, "2020-01-03", ["covid", "effective_response", "generosity", "health_silk_road"]),
    _rec(2, "2020-01-10", ["covid", "anti_stigmatization"]),
    _rec(3, "2020-01-15", ["covid", "health_silk_road", "digital_silk_road"]),
    _rec(4, "2020-01-20", ["digital_silk_road"]),
    _rec(5, "2020-01-30", []),
]
MAR = [_rec(6, "2020-03-02", ["covid", "generosity"]), _rec(7, "2020-03-09", ["covid"])]


def test_index_and_shares_hand_computed(codebook):
    res = compute_trends(JAN + MAR, codebook, min_n=3)
    assert res.periods == ["2020-01", "2020-02", "2020-03"] and res.groups == ["all"]
    # January: themes in d1 (R1, R4) and d2 (R2) -> index 2/5
    r = _row(res, INDEX, "2020-01")
    assert (r["value"], r["n"], r["low_n"]) == (0.4, 5, False)
    assert (r["low"], r["high"]) == wilson_interval(2, 5)
    expect = {"label:covid": 3 / 5, "label:effective_response": 1 / 5, "label:anti_stigmatization": 1 / 5,
              "label:anti_overreaction": 0.0, "label:generosity": 1 / 5, "label:health_silk_road": 2 / 5,
              "label:digital_silk_road": 2 / 5, "silk_road:health": 1 / 5, "silk_road:digital": 1 / 5,
              "silk_road:general": 1 / 5, "silk_road:none": 2 / 5}
    assert {m: _row(res, m, "2020-01")["value"] for m in expect} == pytest.approx(expect)
    # February is empty: kept, n = 0, no value, flagged
    feb = _row(res, INDEX, "2020-02")
    assert feb["n"] == 0 and math.isnan(feb["value"]) and feb["low_n"] is True
    # March: 1 of 2 with a theme, n < min_n flagged but not hidden
    mar = _row(res, INDEX, "2020-03")
    assert (mar["value"], mar["n"], mar["low_n"]) == (0.5, 2, True)


def test_among_covid_restricts_denominator(codebook):
    res = compute_trends(JAN + MAR, codebook, among="covid")
    assert res.counts["excluded_among"] == 2
    r = _row(res, INDEX, "2020-01")
    assert (r["value"], r["n"]) == (pytest.approx(2 / 3), 3)
    assert _row(res, "silk_road:none", "2020-01")["value"] == pytest.approx(1 / 3)


def test_probs_mode_uses_noisy_or_index_and_mean_probabilities(codebook):
    ids = codebook.label_ids
    p1 = dict(zip(ids, [0.9, 0.5, 0.2, 0.0, 0.0, 0.6, 0.5]))
    p2 = dict(zip(ids, [0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]))
    recs = [{"id": "a", "date": "2020-02-01", "probs": p1}, {"id": "b", "date": "2020-02-02", "probs": p2}]
    res = compute_trends(recs, codebook, measure="probs")
    # P(any theme): 1 - 0.5 * 0.8 = 0.6 and 0 -> mean 0.3
    assert _row(res, INDEX, "2020-02")["value"] == pytest.approx(0.3)
    assert _row(res, "label:covid", "2020-02")["value"] == pytest.approx(0.5)
    # categories from p_h = 0.6, p_d = 0.5 for doc a; doc b is 'none' with certainty
    assert _row(res, "silk_road:general", "2020-02")["value"] == pytest.approx(0.15)
    assert _row(res, "silk_road:health", "2020-02")["value"] == pytest.approx(0.15)
    assert _row(res, "silk_road:none", "2020-02")["value"] == pytest.approx((0.2 + 1.0) / 2)
    lo, hi = mean_interval(0.6, 0.36, 2)
    assert (_row(res, INDEX, "2020-02")["low"], _row(res, INDEX, "2020-02")["high"]) == (lo, hi)


def test_smoothing_is_separate_from_raw(codebook):
    recs = JAN + MAR
    raw = compute_trends(recs, codebook)
    sm = compute_trends(recs, codebook, smooth=3)
    assert [r["value"] for r in raw.rows if r["n"]] == [r["value"] for r in sm.rows if r["n"]]
    assert "smoothed" not in raw.rows[0]
    # trailing 3 periods pooled by n: March = (2 + 1) / (5 + 0 + 2); January = its own share
    assert _row(sm, INDEX, "2020-03")["smoothed"] == pytest.approx(3 / 7)
    assert _row(sm, INDEX, "2020-03")["value"] == 0.5
    # February has no documents: no smoothed value, so the line does not run through it
    assert _row(sm, INDEX, "2020-02")["n"] == 0 and math.isnan(_row(sm, INDEX, "2020-02")["smoothed"])


def test_groups_and_paired_language_difference(codebook):
    recs = ([_rec(i, "2020-04-01", ["covid", "effective_response"] if i < 6 else [], lang="zh") for i in range(10)]
            + [_rec(10 + i, "2020-04-02", ["covid", "generosity"] if i < 3 else [], lang="en") for i in range(10)]
            + [_rec(30, "2020-04-03", [], lang=None)])
    res = compute_trends(recs, codebook, group="lang")
    assert res.groups == ["(missing)", "en", "zh"]
    recs = recs[:-1]
    res = compute_trends(recs, codebook, group="lang")
    (d,) = paired_difference(res, "zh", "en")
    assert (d["value_a"], d["value_b"], d["n_a"], d["n_b"]) == (0.6, 0.3, 10, 10)
    assert (d["diff"], d["low"], d["high"]) == pytest.approx(newcombe_difference(6, 10, 3, 10))
    text = render_summary(res)
    assert "## Paired languages: index zh − en" in text
    assert "| zh | 2020-04 | 0.600 |" in text and "| en | 2020-04 | 0.300 |" in text


def test_read_events(tmp_path):
    p = tmp_path / "ev.csv"
    p.write_text("date,label\n2020-03-11,WHO pandemic\n2020-01-23,Wuhan lockdown\n2020-12,vaccines\n", encoding="utf-8")
    assert read_events(p) == [(date(2020, 1, 23), "Wuhan lockdown"), (date(2020, 3, 11), "WHO pandemic"),
                              (date(2020, 12, 1), "vaccines")]
    p.write_text("date,label\n2020-31-01,bad\n", encoding="utf-8")
    with pytest.raises(TrendError, match="line 2"):
        read_events(p)


def test_bundled_events_file_parses(repo_dir):
    events = read_events(repo_dir / "corpora" / "events.csv")
    assert (date(2020, 1, 23), "Wuhan lockdown") in events and len(events) >= 8


# ---- plots and CLI -----------------------------------------------------------------------
def test_plots_written_png_and_svg(codebook, tmp_path):
    from nlp.trend_plots import event_position, plot_trends

    res = compute_trends([dict(r, lang=("zh" if i % 2 else "en")) for i, r in enumerate(JAN + MAR)],
                         codebook, group="lang", smooth=2)
    files = plot_trends(res, tmp_path, events=[(date(2020, 1, 23), "Wuhan lockdown"), (date(2021, 5, 1), "outside")])
    names = sorted(p.name for p in files)
    assert names == sorted(f"{n}.{f}" for n in ("themes", "silk_road", "storytelling_index") for f in ("png", "svg"))
    for p in files:
        data = p.read_bytes()
        assert len(data) > 1000
        assert data.startswith(b"\x89PNG") if p.suffix == ".png" else b"<svg" in data
    assert b"Wuhan lockdown" in (tmp_path / "themes.svg").read_bytes() or \
        "Wuhan lockdown" in (tmp_path / "themes.svg").read_text(encoding="utf-8")
    # 23 Jan sits 22/31 of the way through January (period 0, centred at 0)
    assert event_position(date(2020, 1, 23), res.periods, "month") == pytest.approx(-0.5 + 22 / 31)
    assert event_position(date(2021, 5, 1), res.periods, "month") is None


def test_legend_keeps_each_colour_and_fits_one_narrow_panel(codebook):
    """All periods low-n (the demo's 40 documents): legend swatches keep their colours, and all
    five theme entries fit under a single panel."""
    from matplotlib.colors import to_hex

    from nlp.trend_plots import silk_road_figure, themes_figure, _SILK_COLORS

    res = compute_trends(JAN + MAR, codebook)  # every period has n < 10
    fig = silk_road_figure(res)
    swatches = [to_hex(h.get_facecolor()) for h in fig.legends[0].legend_handles]
    assert swatches == [_SILK_COLORS[c] for c in ("health", "digital", "general", "none")]
    fig = themes_figure(res)
    legend = fig.legends[0]
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert len(legend.texts) == 5 and box.x0 >= 0 and box.x1 <= fig.bbox.width
    assert len({to_hex(h.get_facecolor()) for h in legend.legend_handles[:4]}) == 4


def test_chinese_labels_without_a_cjk_font_warn(codebook, tmp_path, monkeypatch, caplog):
    import nlp.trend_plots as tp

    res = compute_trends([dict(r, 机构="外交部") for r in JAN], codebook, group="机构")
    monkeypatch.setattr(tp, "_installed_cjk_fonts", lambda: [])
    with caplog.at_level("WARNING", logger="nlp.trend_plots"):
        tp.plot_trends(res, tmp_path, formats=("svg",))
    assert "no font with Chinese glyphs" in caplog.text and "fonts-noto-cjk" in caplog.text
    caplog.clear()
    monkeypatch.setattr(tp, "_installed_cjk_fonts", lambda: ["DejaVu Sans"])  # as if one were installed
    with caplog.at_level("WARNING", logger="nlp.trend_plots"):
        tp.plot_trends(res, tmp_path, formats=("svg",))
    assert "no font with Chinese glyphs" not in caplog.text


def test_cli_end_to_end(tmp_path, repo_dir):
    from typer.testing import CliRunner

    from nlp.cli import app

    src = tmp_path / "tagged.jsonl"
    recs = [dict(r, lang="zh" if i % 2 else "en", source="fmprc", model="lexicon") for i, r in enumerate(JAN + MAR)]
    lines = [json.dumps(r) for r in recs] + ["{not json", json.dumps({"id": "nodate", "labels": []})]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["trend", str(src), "--group", "lang", "--smooth", "2", "--min-n", "2",
                                      "--events", str(repo_dir / "corpora" / "events.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(out / "trend.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["period", "group", "measure", "value", "low", "high", "n", "low_n", "smoothed"]
    # 3 periods x 2 groups x (1 index + 7 labels + 4 categories)
    assert len(rows) == 3 * 2 * 12
    zh_jan = [r for r in rows if r["measure"] == INDEX and r["group"] == "zh" and r["period"] == "2020-01"][0]
    assert (zh_jan["n"], zh_jan["value"], zh_jan["low_n"]) == ("2", "0.5", "false")
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["line"], e["id"]) for e in errors] == [(8, None), (9, "nodate")]
    meta = json.loads((out / "trend.meta.json").read_text(encoding="utf-8"))
    assert meta["codebook"]["version"] == "1.1" and meta["options"]["group"] == "lang"
    assert meta["counts"] == {"read": 9, "used": 7, "errors": 2, "excluded_among": 0} and meta["models"] == ["lexicon"]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Paired languages" in summary and "2020-02" in summary
    for name in ("themes", "silk_road", "storytelling_index"):
        assert (out / f"{name}.png").stat().st_size > 0 and (out / f"{name}.svg").stat().st_size > 0


def test_cli_reads_tag_csv_with_probability_columns(tmp_path, codebook):
    from typer.testing import CliRunner

    from nlp.cli import app

    src = tmp_path / "tagged.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "lang", "labels", "silk_road", "storytelling"] + [f"p_{i}" for i in codebook.label_ids])
        w.writerow(["a", "2020-05-01T01:00:00+08:00", "zh", "covid;generosity", "none", "true", 0.9, 0.1, 0, 0, 0.8, 0, 0])
        w.writerow(["b", "2020-05-02", "en", "", "none", "false", 0.2, 0, 0, 0, 0, 0, 0])
    out = tmp_path / "o"
    r = CliRunner().invoke(app, ["trend", str(src), "--measure", "probs", "--among", "covid", "--no-plots", "--out", str(out)])
    assert r.exit_code == 0, r.output
    with open(out / "trend.csv", encoding="utf-8") as fh:
        rows = {row["measure"]: row for row in csv.DictReader(fh)}
    # only doc a is in the covid context; its P(any theme) = 1 - 0.9 * 0.2 = 0.82
    assert rows[INDEX]["n"] == "1" and float(rows[INDEX]["value"]) == pytest.approx(0.82)
    assert not (out / "themes.png").exists()


@pytest.mark.shared
def test_gold_hand_coded_data_by_quarter(shared_dir, codebook):
    from nlp.trends import read_tagged

    recs, lines, errs = read_tagged(shared_dir / "gold" / "train.jsonl")
    res = compute_trends(recs, codebook, by="quarter", group="lang", lines=lines)
    assert not errs and res.counts["errors"] == 0 and res.counts["used"] == len(recs)
    assert int(res.N.sum()) == len(recs)
    assert set(res.groups) == {"zh", "en"}


def test_probability_silk_road_shares_with_a_digital_only_scheme(codebook, tmp_path, repo_dir):
    """A scheme whose silk_road names only digital: probability-mode shares use it, not all 'none'."""
    from nlp.codebook import load_codebook
    from nlp.trends import _doc_values

    text = (repo_dir / "corpora" / "codebook.yaml").read_text(encoding="utf-8")
    start = text.index("silk_road:")
    end = text.index("\n", text.index("digital:", start))
    cb_file = tmp_path / "digital_only.yaml"
    cb_file.write_text(text[:start] + "silk_road:\n  digital: digital_silk_road" + text[end:], encoding="utf-8")
    cb = load_codebook(cb_file)
    assert dict(cb.silk_road) == {"digital": "digital_silk_road"}
    P = np.zeros((2, cb.n_labels))
    P[0, cb.index("digital_silk_road")] = 0.8
    P[:, cb.index("health_silk_road")] = 0.9  # not part of this scheme's Silk Road categories
    names, V = _doc_values((P > 0.5).astype(int), P, cb)
    share = {c: V[:, names.index(f"silk_road:{c}")].round(6).tolist() for c in ("health", "digital", "general", "none")}
    assert share == {"health": [0.0, 0.0], "digital": [0.8, 0.0], "general": [0.0, 0.0], "none": [0.2, 1.0]}
