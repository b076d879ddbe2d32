"""Report writing (nlp.evaluation.report): files, JSON validity, self-contained HTML, headless Chromium.

Manual render check when Chromium is not installed here (any machine with a browser)::

    silkframe evaluate --model models/default --gold ../shared/gold/train.jsonl --cv 5 --out /tmp/rep
    chromium --headless --disable-gpu --no-sandbox --enable-logging=stderr --v=0 \\
        --screenshot=/tmp/report.png --window-size=1366,900 file:///tmp/rep/report.html
    # then look at /tmp/report.png; stderr must show no "Uncaught" / "ERROR:CONSOLE" lines
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nlp.evaluation.report import render_html, render_markdown, summary_table, write_report
from nlp.evaluation.run import evaluate_predictions

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def result(codebook):
    rng = np.random.default_rng(0)
    n = 60
    Y = (rng.random((n, 7)) < [0.5, 0.3, 0.2, 0.1, 0.2, 0.3, 0.1]).astype(np.int8)
    Y = codebook.apply_implications(Y)
    P = np.clip(Y * 0.7 + rng.random(Y.shape) * 0.3, 0, 1)
    Y_pred = (P >= 0.5).astype(np.int8)
    Y_pred[:5, 5] = 1 - Y_pred[:5, 5]  # a few errors
    coder_b = Y.copy()
    coder_b[10:13, 6] = 1 - coder_b[10:13, 6]
    docs = [{"id": f"doc{i}", "text": f"文本 <b>{i}</b> & text " * 30, "lang": "zh" if i % 2 else "en"} for i in range(n)]
    return evaluate_predictions(Y, Y_pred, P, codebook=codebook, docs=docs, coders={"coder_a": Y, "coder_b": coder_b},
                                by=("lang",), n_boot=100, name="model <A>", thresholds=[0.5] * 7,
                                meta={"gold": "synthetic"})


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    return write_report(result, tmp_path_factory.mktemp("rep"))


def test_write_report_files(written):
    paths = written
    rep = paths["html"].parent
    names = sorted(p.name for p in paths.values())
    assert names == ["f1_ci.png", "metrics.json", "reliability_model_A.png", "report.html", "report.md",
                     "thresholds_model_A.png"]
    for p in paths.values():
        assert p.stat().st_size > 500, p
    for name in names:
        if name.endswith(".png"):
            assert (rep / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((rep / "metrics.json").read_text(encoding="utf-8"))  # strict JSON: no NaN
    assert data["meta"]["gold"] == "synthetic" and data["meta"]["codebook"]["version"] == "1.1"
    assert data["models"][0]["name"] == "model <A>"
    assert len(data["models"][0]["metrics"]["per_label"]) == 7


def test_html_is_self_contained_and_escaped(written):
    html = Path(written["html"]).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert html.count("data:image/png;base64,") == 3
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "model &lt;A&gt;" in html and "<b>" not in html  # document text is escaped
    for section in ("per-label metrics", "Silk Road category", "coders and model side by side",
                    "breakdown by lang", "calibration and thresholds", "errors"):
        assert section in html


def test_markdown_and_summary(result):
    md = render_markdown(result, {"Per-label F1 with 95% CI": "f1_ci.png"})
    assert "| covid |" in md and "![Per-label F1 with 95% CI](f1_ci.png)" in md
    assert "coder_a vs coder_b κ" in md
    s = summary_table(result)
    assert s.splitlines()[0].startswith("model") and "model <A>" in s


def test_truncated_error_lists_say_top_n(result):
    m = result["models"][0]
    lid, e = next((lid, e) for lid, e in m["errors"].items() if e["n_fp"] >= 3)
    n, kept = e["n_fp"], e["fp"]
    res = {**result, "models": [{**m, "errors": {lid: {**e, "n_fp": n + 40}}}]}  # more errors than listed
    md, html = render_markdown(res, max_errors=2), render_html(res, max_errors=2)
    assert f"{lid} — false positives ({n + 40}, top 2)" in md
    assert f"{lid} — false positives: {n + 40}, top 2</summary>" in html
    full = render_html(res, max_errors=len(kept) + 5)  # all listed rows shown, still fewer than the total
    assert f"{lid} — false positives: {n + 40}, top {len(kept)}</summary>" in full
    whole = {**result, "models": [{**m, "errors": {lid: {**e, "n_fp": len(kept)}}}]}  # nothing left out
    assert f"false positives ({len(kept)})" in render_markdown(whole, max_errors=99)
    assert f"false positives: {len(kept)}</summary>" in render_html(whole, max_errors=99)


def test_nan_kappa_is_null_in_json(codebook, tmp_path):
    Y = np.zeros((6, 7), dtype=np.int8)
    Y[:3, 0] = 1
    res = evaluate_predictions(Y, Y, codebook=codebook, n_boot=20)
    data = json.loads(Path(write_report(res, tmp_path)["json"]).read_text(encoding="utf-8"))
    rows = data["models"][0]["metrics"]["per_label"]
    assert rows[0]["kappa"] == 1.0 and rows[1]["kappa"] is None and rows[1]["alpha"] is None


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed; see the module docstring for the manual check")
def test_report_renders_in_headless_chromium(written, tmp_path):
    html = written["html"]
    shot = tmp_path / "shot.png"
    proc = subprocess.run([str(CHROMIUM), "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr",
                           "--v=0", f"--screenshot={shot}", "--window-size=1366,900", html.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 10_000
    assert "Uncaught" not in proc.stderr and "CONSOLE" not in proc.stderr
