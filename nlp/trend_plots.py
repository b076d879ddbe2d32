"""Charts of a :class:`~nlp.trends.TrendResult`: themes, Silk Road categories, storytelling index.

matplotlib is imported inside the functions, and figures are drawn on their own Agg canvas
(no pyplot, no global backend switch), so importing this module is cheap and has no side
effects. Every chart is saved as PNG and SVG.

Charts
------
``themes``
    One panel per group: stacked bars of the four theme shares per period. Themes co-occur,
    so a stack can be taller than the storytelling index, drawn over it as a black line.
``silk_road``
    One panel per group: stacked shares of the Silk Road categories (they sum to one).
``storytelling_index``
    Groups overlaid: the index with its 95% interval band; hollow markers for low-n
    periods; the smoothed series dashed when smoothing was asked for.

Low-n periods are drawn hatched and lighter in the bar charts, never left out. Events
(``[(date, label), ...]``) become labelled vertical lines placed within their period.
"""
from __future__ import annotations

import logging
import math
import warnings
from datetime import date
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["plot_trends", "themes_figure", "silk_road_figure", "index_figure", "event_position"]

_SILK_COLORS = {"health": "#2ca02c", "digital": "#1f77b4", "general": "#9467bd", "none": "#d9d9d9"}
#: Fonts with Chinese glyphs, tried in order before matplotlib's default (group names, event
#: labels and label names may be Chinese); matplotlib falls back glyph by glyph along the list.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")

log = logging.getLogger(__name__)


def _installed_cjk_fonts() -> list[str]:
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in CJK_FONTS if f in have]


def _has_han(texts) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for t in texts for ch in str(t))


def _legend(fig, handles, labels) -> None:
    """Figure legend below the panels, in as many columns as the figure's width holds (a single
    narrow panel cut a five-entry row)."""
    width = fig.get_figwidth()
    longest = max((len(str(lab)) for lab in labels), default=1)
    per_col = 0.6 + 0.075 * longest  # inches: handle, gap and text at fontsize 8
    ncols = max(1, min(len(labels), int(width // per_col)))
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize=8, frameon=False)


def event_position(d: date, periods: Sequence[str], by: str) -> float | None:
    """x coordinate of date ``d`` on an axis where period j is centred at j; None if outside."""
    from nlp.trends import period_bounds, period_key

    key = period_key(d, by)
    if key not in periods:
        return None
    start, end = period_bounds(key, by)
    frac = (d - start).days / (end - start).days
    return periods.index(key) - 0.5 + frac


def _figure(ncols: int, n_periods: int, height: float = 4.2, extra: float = 0.0):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width = min(7.0, max(4.0, 0.32 * n_periods + 2.0))
    fig = Figure(figsize=(width * ncols + extra, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, sharey=True, squeeze=False)[0]
    return fig, list(axes)


def _xaxis(ax, periods: Sequence[str]) -> None:
    step = max(1, math.ceil(len(periods) / 18))
    ticks = list(range(0, len(periods), step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([periods[i] for i in ticks], rotation=60, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(periods) - 0.4)


def _events(ax, events, periods, by) -> list[str]:
    """Draw events as numbered dotted lines; returns the key lines ("1  2020-01-23 Wuhan lockdown").

    Numbers instead of rotated labels keep close events (days apart) readable; each number goes
    to the highest free row where it does not touch a number already placed.
    """
    if not events:
        return []
    trans = ax.get_xaxis_transform()
    inches = ax.figure.get_size_inches()[0] * ax.get_position().width
    gap = 0.2 * len(periods) / max(inches, 1e-6)  # ~0.2 inch in data units
    key: list[str] = []
    last: list[float] = []  # last x placed on each row
    for d, label in events:
        x = event_position(d, periods, by)
        if x is None:
            continue
        num = len(key) + 1
        row = next((i for i, lx in enumerate(last) if x - lx >= gap), len(last))
        if row == len(last):
            last.append(x)
        last[row] = x
        ax.axvline(x, color="#555555", linestyle=":", linewidth=1.0, zorder=5)
        ax.text(x, 0.98 - 0.07 * row, str(num), transform=trans, ha="center", va="top", fontsize=7,
                zorder=6, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "#555555",
                                "linewidth": 0.6})
        key.append(f"{num}  {d.isoformat()}  {label}")
    return key


def _event_key(fig, key: list[str]) -> None:
    if not key:
        return
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], linestyle="none") for _ in key]
    fig.legend(handles, key, loc="outside right upper", handlelength=0, handletextpad=0, fontsize=7,
               title="events", title_fontsize=8, frameon=False)


def _values(result, measure: str, group: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = result.series(measure, group)
    v = np.array([r["value"] for r in rows], dtype=float)
    lo = np.array([r["low"] for r in rows], dtype=float)
    hi = np.array([r["high"] for r in rows], dtype=float)
    low_n = np.array([r["low_n"] for r in rows], dtype=bool)
    sm = np.array([r.get("smoothed", math.nan) for r in rows], dtype=float)
    return v, lo, hi, low_n, sm


def _stacked(result, measures: Sequence[str], labels: Sequence[str], colors: Sequence[str], title: str,
             ylabel: str, events, overlay_index: bool):
    periods, by = result.periods, result.options["by"]
    fig, axes = _figure(len(result.groups), len(periods), extra=3.2 if events else 0.0)
    x = np.arange(len(periods))
    key: list[str] = []
    for ax, g in zip(axes, result.groups):
        bottom = np.zeros(len(periods))
        low_n = None
        for m, lab, col in zip(measures, labels, colors):
            v, _, _, low_n, _ = _values(result, m, g)
            v = np.nan_to_num(v)
            ax.bar(x[~low_n], v[~low_n], 0.8, bottom=bottom[~low_n], color=col, edgecolor="white", linewidth=0.4)
            if low_n.any():
                ax.bar(x[low_n], v[low_n], 0.8, bottom=bottom[low_n], color=col, alpha=0.45, hatch="//",
                       edgecolor="white", linewidth=0.4)
            bottom = bottom + v
        if overlay_index:
            v, _, _, _, _ = _values(result, "storytelling_index", g)
            ax.plot(x, v, color="black", marker="o", markersize=3, linewidth=1.2)
        key = _events(ax, events, periods, by)
        _xaxis(ax, periods)
        ax.set_title(g if len(result.groups) > 1 else title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(ylabel)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    # handles made here, not taken from the bars: when every period is low-n the plain bars are
    # empty and their legend entries lost their colour
    handles = [Patch(facecolor=col, edgecolor="white", label=lab) for lab, col in zip(labels, colors)]
    if overlay_index:
        handles.append(Line2D([], [], color="black", marker="o", markersize=3, linewidth=1.2, label="storytelling index"))
    _legend(fig, handles, [h.get_label() for h in handles])
    _event_key(fig, key)
    if len(result.groups) > 1:
        fig.suptitle(title, fontsize=11)
    return fig


def _subtitle(result) -> str:
    o = result.options
    parts = ["mean probability" if o["measure"] == "probs" else "share of documents"]
    if o["among"]:
        parts.append(f"among {o['among']}")
    parts.append(f"hatched: n < {o['min_n']}")
    return "; ".join(parts)


def themes_figure(result, events=None):
    """Stacked theme shares per period (one panel per group) with the index drawn over them."""
    cb = result.codebook
    themes = list(cb.storytelling)
    names = [f"{cb[t].short} {cb[t].name.get('en', t)}" for t in themes]
    colors = ["#d62728", "#ff7f0e", "#8c564b", "#17becf", "#bcbd22", "#e377c2"][:len(themes)]
    return _stacked(result, [f"label:{t}" for t in themes], names, colors,
                    f"Storytelling themes ({_subtitle(result)}; themes co-occur)", "share", events, True)


def silk_road_figure(result, events=None):
    """Stacked Silk Road category shares per period (one panel per group)."""
    from nlp.codebook import SILK_ROAD_CATEGORIES

    cats = list(SILK_ROAD_CATEGORIES)
    return _stacked(result, [f"silk_road:{c}" for c in cats], cats, [_SILK_COLORS[c] for c in cats],
                    f"Silk Road framing ({_subtitle(result)})", "share", events, False)


def index_figure(result, events=None):
    """Storytelling index per period with 95% bands, groups overlaid with a legend."""
    import matplotlib

    periods, o = result.periods, result.options
    fig, (ax,) = _figure(1, len(periods), height=4.2, extra=3.2 if events else 0.0)
    x = np.arange(len(periods))
    cmap = matplotlib.colormaps["tab10"]
    for i, g in enumerate(result.groups):
        col = cmap(i % 10)
        v, lo, hi, low_n, sm = _values(result, "storytelling_index", g)
        ax.fill_between(x, lo, hi, color=col, alpha=0.18, linewidth=0)
        ax.plot(x, v, color=col, linewidth=1.6, label=g)
        ok = ~low_n & ~np.isnan(v)
        ax.plot(x[ok], v[ok], "o", color=col, markersize=4)
        weak = low_n & ~np.isnan(v)
        if weak.any():
            ax.plot(x[weak], v[weak], "o", markerfacecolor="white", markeredgecolor=col, markersize=5)
        if o.get("smooth"):
            ax.plot(x, sm, color=col, linestyle="--", linewidth=1.2, label=f"{g} (smoothed, {o['smooth']} periods)")
    _event_key(fig, _events(ax, events, periods, o["by"]))
    _xaxis(ax, periods)
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean P(any theme)" if o["measure"] == "probs" else "share with any theme")
    ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Storytelling index with 95% intervals", fontsize=11)
    ax.set_title(_subtitle(result).replace("hatched", "hollow markers"), fontsize=8)
    handles, labels = ax.get_legend_handles_labels()
    _legend(fig, handles, labels)
    return fig


def plot_trends(result, out_dir, *, events=None, formats: Sequence[str] = ("png", "svg"), dpi: int = 150) -> list[Path]:
    """Draw the three charts and save each in every format; returns the files written.

    Text is set in the first installed font of :data:`CJK_FONTS` (then matplotlib's default), so
    Chinese group names and event labels render; when the charts hold Chinese and no such font is
    installed, a warning says what to install instead of leaving empty boxes unexplained.
    """
    from matplotlib import rc_context

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cjk = _installed_cjk_fonts()
    texts = [*result.groups, *(label for _, label in (events or ()))]
    if not cjk and _has_han(texts):
        log.warning("the trend charts hold Chinese text but no font with Chinese glyphs is installed, so it "
                    "shows as empty boxes; install one (Debian/Ubuntu: apt install fonts-noto-cjk; or any of %s)",
                    ", ".join(CJK_FONTS[:4]))
    written = []
    with rc_context({"font.family": "sans-serif", "font.sans-serif": [*cjk, "DejaVu Sans"]}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)  # said once above
        for name, make in (("themes", themes_figure), ("silk_road", silk_road_figure),
                           ("storytelling_index", index_figure)):
            fig = make(result, events)
            for fmt in formats:
                path = out / f"{name}.{fmt}"
                fig.savefig(path, format=fmt, dpi=dpi)
                written.append(path)
    return written
