"""Writing an evaluation result to disk: ``metrics.json``, ``report.md``, ``report.html``, PNG plots.

The HTML report is self-contained (plots embedded as base64 PNG, inline CSS, no scripts, no
network) so it opens offline and can go into an appendix. matplotlib (Agg backend) is imported
inside the plotting functions only.

Manual check that the HTML renders (what ``tests/test_evaluation_report.py`` automates when
``/usr/bin/chromium`` exists)::

    chromium --headless --disable-gpu --no-sandbox --screenshot=/tmp/report.png \\
        --window-size=1366,900 file://$PWD/REPORT_DIR/report.html
"""
from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any, Sequence

from nlp.evaluation.run import to_jsonable

__all__ = ["write_report", "render_markdown", "render_html", "make_plots", "summary_table"]

_HEADLINE = ("macro_f1", "micro_f1", "weighted_f1", "subset_accuracy", "hamming_loss", "alpha_overall")


# ---- formatting helpers ----------------------------------------------------------------------------
def _num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if f != f:  # NaN
        return "n/a"
    return f"{f:.{digits}f}"


def _ci(pair: Sequence | None) -> str:
    if not pair or pair[0] is None or pair[0] != pair[0]:
        return ""
    return f"[{_num(pair[0], 2)}, {_num(pair[1], 2)}]"


def _with_ci(x, pair) -> str:
    c = _ci(pair)
    return f"{_num(x)} {c}".strip()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "model"


def _tables(result: dict) -> list[tuple[str, list[str], list[list[str]], str]]:
    """The report as (title, header, rows, note) tables, shared by Markdown and HTML."""
    out = []
    meta = result["meta"]
    models = result["models"]
    header = ["model", "mode"] + list(_HEADLINE) + ["storytelling F1", "Silk Road acc."]
    rows = []
    for r in result["comparison"]:
        rows.append([r["model"], r.get("mode") or ""] + [_with_ci(r[k], r[f"{k}_ci"]) for k in _HEADLINE]
                    + [_num(r["storytelling_f1"]), _num(r["silk_road_accuracy"])])
    out.append(("Models compared", header, rows,
                f"{meta['n_docs']} documents; 95% bootstrap intervals over documents ({meta['n_boot']} replicates, seed {meta['seed']}). "
                "Macro-F1 averages every label in every resample: a label with no gold and no predicted positive "
                "in a resample counts as F1 0 there, as a label absent from the data does in the point estimate."))
    for m in models:
        title = f"{m['name']}"
        ci = m["ci"]["per_label"]
        rows = []
        for lab in m["metrics"]["per_label"]:
            c = ci[lab["label"]]
            rows.append([lab["label"], str(lab["support"]), str(lab["predicted"]),
                         _with_ci(lab["precision"], c["precision"]), _with_ci(lab["recall"], c["recall"]),
                         _with_ci(lab["f1"], c["f1"]), _with_ci(lab["kappa"], c["kappa"]),
                         _with_ci(lab["alpha"], c["alpha"])])
        st, sc = m["metrics"]["storytelling"], m["storytelling_ci"]
        rows.append(["storytelling (any R1–R4)", str(st["support"]), str(st["predicted"]),
                     _with_ci(st["precision"], sc["precision"]), _with_ci(st["recall"], sc["recall"]),
                     _with_ci(st["f1"], sc["f1"]), _with_ci(st["kappa"], sc["kappa"]), _with_ci(st["alpha"], sc["alpha"])])
        out.append((f"{title}: per-label metrics vs gold",
                    ["label", "support", "predicted", "precision", "recall", "F1", "Cohen's κ", "Krippendorff's α"], rows,
                    "n/a: undefined (the label is absent from, or present in every document of, both codings). "
                    "Intervals leave out resamples where the score is undefined (precision: nothing predicted; recall: "
                    "no gold positive; F1: neither; κ, α: no variation); metrics.json gives the replicates used as n_used."))
        sr = m["metrics"]["silk_road"]
        rows = [[cat] + [str(v) for v in row] for cat, row in zip(sr["categories"], sr["matrix"])]
        out.append((f"{title}: Silk Road category (rows gold, columns predicted)", ["gold \\ predicted"] + sr["categories"],
                    rows, f"accuracy {_num(sr['accuracy'])}, κ {_num(sr['kappa'])}"))
        ag = m.get("agreement")
        if ag:
            pairs = ag["pairs"]
            header = ["label"] + [f"{p['a']} vs {p['b']} {s}" for p in pairs for s in ("κ", "α", "F1")]
            rows = []
            for lid in [lab["label"] for lab in m["metrics"]["per_label"]]:
                row = [lid]
                for p in pairs:
                    c = p.get("ci", {}).get("per_label", {}).get(lid, {})
                    for s in ("kappa", "alpha", "f1"):
                        row.append(_with_ci(p["per_label"][lid][s], c.get(s)))
                rows.append(row)
            row = ["overall (pooled α, macro F1)"]
            for p in pairs:
                c = p.get("ci", {}).get("overall", {})
                row += ["", _with_ci(p["overall"]["alpha"], c.get("alpha")), _with_ci(p["overall"]["macro_f1"], c.get("macro_f1"))]
            rows.append(row)
            out.append((f"{title}: coders and model side by side", header, rows,
                        f"{ag['n_docs']} documents coded by {', '.join(ag['coders'])}; F1 of the second against the first."))
        for spec, groups in (m.get("breakdowns") or {}).items():
            labels = [lab["label"] for lab in m["metrics"]["per_label"]]
            header = ["group", "n", "macro F1", "micro F1", "subset acc."] + [f"F1 {lid}" for lid in labels]
            rows = []
            for g in groups:
                gci = g["ci"]
                rows.append([g["group"], str(g["n_docs"]), _with_ci(g["overall"]["macro_f1"], gci["overall"]["macro_f1"]),
                             _num(g["overall"]["micro_f1"]), _num(g["overall"]["subset_accuracy"])]
                            + [_num(pl["f1"]) for pl in g["per_label"]])
            out.append((f"{title}: breakdown by {spec}", header, rows,
                        "Labels absent from a group's gold and predictions score F1 0 (zero_division=0), "
                        "in the macro-F1 estimate and in each resample of its interval."))
        cal = m.get("calibration")
        if cal:
            rows = [[lid, _num(c["ece"]), _num(c.get("model_threshold"), 2), _num(c["sweep"]["best_threshold"], 2),
                     _num(c["sweep"]["best_f1"])] for lid, c in cal.items()]
            out.append((f"{title}: calibration and thresholds",
                        ["label", "ECE", "model threshold", "best-F1 threshold", "best F1"], rows,
                        "ECE over 10 equal-width bins; best-F1 threshold is chosen on this data (optimistic)."))
        lc = m.get("learning_curve")
        if lc:
            rows = [[_num(f, 2), _num(n, 0), _num(mu), _num(sd)] for f, n, mu, sd in
                    zip(lc["fractions"], lc["n_train"], lc["macro_f1_mean"], lc["macro_f1_std"])]
            out.append((f"{title}: learning curve ({lc['k']}-fold CV)", ["fraction", "training docs", "macro F1", "sd"], rows, ""))
    return out


def _error_rows(m: dict) -> list[tuple[str, str, list[dict], int]]:
    out = []
    for lid, e in (m.get("errors") or {}).items():
        out.append((lid, "false positives", e["fp"], e["n_fp"]))
        out.append((lid, "false negatives", e["fn"], e["n_fn"]))
    return out


def _count(total: int, shown: int) -> str:
    """An error list's size for its heading: ``58, top 25`` when only ``shown`` of ``total`` are listed."""
    return f"{total}, top {shown}" if shown < total else str(total)


def _coders_of(rows: list[dict]) -> list[str]:
    return sorted({k for r in rows for k in r if k.startswith("coder_")})


# ---- markdown ------------------------------------------------------------------------------------------
def _md_cell(s: Any) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _meta_lines(meta: dict) -> list[str]:
    cb = meta["codebook"]
    lines = [f"- codebook: {cb['name']} v{cb['version']} (sha256 {cb['sha256'][:12]})",
             f"- gold: {meta.get('gold', '(arrays)')} — {meta['n_docs']} documents",
             f"- bootstrap: {meta['n_boot']} replicates, seed {meta['seed']}"]
    if meta.get("predictions"):
        lines.append(f"- predictions: {meta['predictions']}")
    if meta.get("models"):
        lines.append(f"- models: {', '.join(meta['models'])}")
    lines.append(f"- created: {meta.get('created')} (silkframe {meta.get('silkframe_version')})")
    return lines


def render_markdown(result: dict, images: dict[str, str] | None = None, *, max_errors: int = 10) -> str:
    """The report as Markdown; ``images`` maps plot titles to PNG file names beside the report."""
    parts = ["# Silkframe evaluation report", ""] + _meta_lines(result["meta"]) + [""]
    for title, header, rows, note in _tables(result):
        parts += [f"## {title}", "", _md_table(header, rows), ""]
        if note:
            parts += [f"_{note}_", ""]
    for title, fname in (images or {}).items():
        parts += [f"## {title}", "", f"![{title}]({fname})", ""]
    for m in result["models"]:
        for lid, kind, rows, total in _error_rows(m):
            if not total:
                continue
            coders = _coders_of(rows)
            parts += [f"### {m['name']}: {lid} — {kind} ({_count(total, min(max_errors, len(rows)))})", ""]
            table = [[r["id"], _num(r["prob"]), ", ".join(r["gold"] or []),
                      *[", ".join(r.get(c) or []) for c in coders], r["snippet"]] for r in rows[:max_errors]]
            parts += [_md_table(["id", "p", "gold", *coders, "text"], table), ""]
    return "\n".join(parts)


# ---- html ------------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;max-width:1200px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.4;font-size:15px}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}
td.num{text-align:right;white-space:nowrap}.note{color:#555;font-size:.85em}
img{max-width:100%;height:auto;border:1px solid #eee}details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
td.snip{max-width:40em}
"""


def _esc(s: Any) -> str:
    return html.escape(str(s))


def _html_table(header: list[str], rows: list[list[str]], num_from: int = 1) -> str:
    h = "".join(f"<th>{_esc(c)}</th>" for c in header)
    body = []
    for r in rows:
        cells = "".join(f'<td class="num">{_esc(c)}</td>' if i >= num_from else f"<td>{_esc(c)}</td>"
                        for i, c in enumerate(r))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{h}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(result: dict, images: dict[str, bytes] | None = None, *, max_errors: int = 25) -> str:
    """A self-contained HTML page; ``images`` maps plot titles to PNG bytes (embedded as base64)."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>Silkframe evaluation report</title>", f"<style>{_CSS}</style></head><body>",
           "<h1>Silkframe evaluation report</h1><ul>"]
    out += [f"<li>{_esc(line[2:])}</li>" for line in _meta_lines(result["meta"])]
    out.append("</ul>")
    for title, header, rows, note in _tables(result):
        out.append(f"<h2>{_esc(title)}</h2>")
        out.append(_html_table(header, rows, num_from=1 if title != "Models compared" else 2))
        if note:
            out.append(f'<p class="note">{_esc(note)}</p>')
    for title, png in (images or {}).items():
        b64 = base64.b64encode(png).decode("ascii")
        out.append(f"<h2>{_esc(title)}</h2><img alt=\"{_esc(title)}\" src=\"data:image/png;base64,{b64}\">")
    for m in result["models"]:
        errs = [e for e in _error_rows(m) if e[3]]
        if not errs:
            continue
        out.append(f"<h2>{_esc(m['name'])}: errors (most confident first)</h2>")
        for lid, kind, rows, total in errs:
            coders = _coders_of(rows)
            table = [[r["id"], _num(r["prob"]), ", ".join(r["gold"] or []),
                      *[", ".join(r.get(c) or []) for c in coders], r["snippet"]] for r in rows[:max_errors]]
            out.append(f"<details><summary>{_esc(lid)} — {_esc(kind)}: {_count(total, len(table))}</summary>"
                       + _html_table(["id", "p", "gold", *coders, "text"], table, num_from=99) + "</details>")
    out.append("</body></html>")
    return "\n".join(out)


# ---- plots ---------------------------------------------------------------------------------------------------
def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _grid(n: int):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    fig.subplots_adjust(wspace=0.35, hspace=0.6)  # fixed spacing: tight_layout doubles the render time
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    return fig, axes.ravel()


def plot_f1_ci(models: list[dict]) -> bytes:
    """Per-label F1 with 95% CI error bars, one bar group per label, one bar per model."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [lab["label"] for lab in models[0]["metrics"]["per_label"]]
    x = np.arange(len(labels))
    w = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(labels)), 3.6))
    for i, m in enumerate(models):
        f1 = np.array([lab["f1"] for lab in m["metrics"]["per_label"]])
        ci = np.array([[np.nan if v is None else v for v in m["ci"]["per_label"][lid]["f1"]] for lid in labels], dtype=float)
        err = np.vstack([np.clip(f1 - ci[:, 0], 0, None), np.clip(ci[:, 1] - f1, 0, None)])
        err = np.nan_to_num(err)
        ax.bar(x + (i - (len(models) - 1) / 2) * w, f1, w, yerr=err, capsize=3, label=m["name"])
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1 (95% CI)")
    if len(models) > 1:
        ax.legend(fontsize=8)
    return _png(fig)


def plot_reliability(cal: dict) -> bytes:
    """Reliability diagram per label: observed positive rate against mean predicted probability."""
    fig, axes = _grid(len(cal))
    for ax, (lid, c) in zip(axes, cal.items()):
        rel = c["reliability"]
        pts = [(m, r, n) for m, r, n in zip(rel["mean_pred"], rel["frac_pos"], rel["count"]) if n]
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
        if pts:
            mp, fr, n = zip(*pts)
            ax.plot(mp, fr, marker="o", ms=3)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(f"{lid} (ECE {c['ece']:.3f})", fontsize=9)
        ax.set_xlabel("mean predicted p", fontsize=8)
        ax.set_ylabel("observed rate", fontsize=8)
        ax.tick_params(labelsize=7)
    return _png(fig)


def plot_threshold_sweep(cal: dict) -> bytes:
    """Precision, recall and F1 against the decision threshold per label; dashed line: the model's threshold."""
    fig, axes = _grid(len(cal))
    for ax, (lid, c) in zip(axes, cal.items()):
        s = c["sweep"]
        ax.plot(s["thresholds"], s["f1"], label="F1")
        ax.plot(s["thresholds"], s["precision"], label="precision", lw=1)
        ax.plot(s["thresholds"], s["recall"], label="recall", lw=1)
        if c.get("model_threshold") is not None:
            ax.axvline(c["model_threshold"], ls="--", color="grey", lw=1)
        ax.set_ylim(0, 1.02)
        ax.set_title(lid, fontsize=9)
        ax.set_xlabel("threshold", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    return _png(fig)


def plot_learning_curve(lc: dict) -> bytes:
    """Macro-F1 (mean ± sd over folds) against training-set size."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.errorbar(lc["n_train"], lc["macro_f1_mean"], yerr=lc["macro_f1_std"], marker="o", capsize=3)
    ax.set_xlabel("training documents")
    ax.set_ylabel("macro F1")
    ax.set_ylim(0, 1)
    return _png(fig)


def make_plots(result: dict) -> dict[str, tuple[str, bytes]]:
    """All plots: ``{title: (file name, PNG bytes)}``."""
    models = result["models"]
    plots = {"Per-label F1 with 95% CI": ("f1_ci.png", plot_f1_ci(models))}
    for m in models:
        slug = _slug(m["name"])
        if m.get("calibration"):
            plots[f"{m['name']}: reliability diagrams"] = (f"reliability_{slug}.png", plot_reliability(m["calibration"]))
            plots[f"{m['name']}: threshold sweep"] = (f"thresholds_{slug}.png", plot_threshold_sweep(m["calibration"]))
        if m.get("learning_curve"):
            plots[f"{m['name']}: learning curve"] = (f"learning_curve_{slug}.png", plot_learning_curve(m["learning_curve"]))
    return plots


def summary_table(result: dict) -> str:
    """A short plain-text table for the terminal: one line per model, headline scores with CIs."""
    lines = [f"{'model':<32} {'macro-F1':>20} {'micro-F1':>20} {'subset acc':>11} {'alpha':>7}"]
    for r in result["comparison"]:
        lines.append(f"{r['model'][:32]:<32} {_with_ci(r['macro_f1'], r['macro_f1_ci']):>20} "
                     f"{_with_ci(r['micro_f1'], r['micro_f1_ci']):>20} {_num(r['subset_accuracy']):>11} "
                     f"{_num(r['alpha_overall']):>7}")
    return "\n".join(lines)


def write_report(result: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``metrics.json``, ``report.md``, ``report.html`` and the PNG plots into ``out_dir``.

    Returns the written paths by kind (``json``, ``md``, ``html``, ``png:<file>``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    p = out / "metrics.json"
    p.write_text(json.dumps(to_jsonable(result), ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    paths["json"] = p
    plots = make_plots(result)
    for _title, (fname, png) in plots.items():
        (out / fname).write_bytes(png)
        paths[f"png:{fname}"] = out / fname
    p = out / "report.md"
    p.write_text(render_markdown(result, {t: f for t, (f, _) in plots.items()}), encoding="utf-8")
    paths["md"] = p
    p = out / "report.html"
    p.write_text(render_html(result, {t: b for t, (_, b) in plots.items()}), encoding="utf-8")
    paths["html"] = p
    return paths
