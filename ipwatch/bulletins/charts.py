"""Bulletin charts: Vega-Lite specifications built with Altair, rendered to inline SVG offline by vl-convert.

Every chart carries its numbers and status words as text, so colour is never the only signal, and the bulletin
puts a table of the same data beside it.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import altair as alt
import polars as pl

from ipwatch import config

# The one font charts are drawn and measured with: the page's own (reports/templates/base.html.j2). vl-convert
# measures every label with the fonts it finds; without this one it measures a fallback and clips the CJK text.
FONT = "Noto Sans CJK SC"
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
INSTALL_FONT = "apt-get install fonts-noto-cjk"
# One colour per status; the status word is always written next to it.
STATUS_COLOURS = {
    "achieved": "#1b7837", "on_track": "#2166ac", "needs_acceleration": "#d98c00", "lagging": "#c2372f",
    "regressing": "#7a0c0c", "missed": "#8c510a", "no_baseline": "#9e9e9e", "incomplete": "#9e9e9e",
    "no_data": "#bdbdbd",
}
WIDTH = 560


class FontMissing(FileNotFoundError):
    """The CJK font charts are measured with is not on this machine: labels would be clipped."""


def font_dirs() -> list[Path]:
    """Where fonts are looked for: $IPWATCH_FONT_DIR first, then the system's and the user's font folders."""
    given = config.settings().font_dir
    return [Path(d).expanduser() for d in ((given, *FONT_DIRS) if given else FONT_DIRS)]


def find_font(dirs: list[Path]) -> Path | None:
    """The first Noto Sans CJK SC file under `dirs`, or None."""
    for folder in dirs:
        for name in FONT_FILES:
            found = next(iter(sorted(folder.rglob(name))), None) if folder.is_dir() else None
            if found:
                return found
    return None


@cache
def require_font(dirs: tuple[Path, ...] | None = None) -> Path:
    """The font file, registered with vl-convert; FontMissing (saying how to install it) when there is none."""
    import vl_convert

    found = find_font(list(dirs) if dirs is not None else font_dirs())
    if found is None:
        raise FontMissing(f"图表需要中文字体 {FONT}，本机未安装，图中文字会被截断，已停止生成："
                          f"请以 root 运行 make fonts 或 {INSTALL_FONT}，或用 IPWATCH_FONT_DIR 指明字体目录 "
                          f"({FONT} not found: charts would clip their labels; run make fonts as root, "
                          f"or {INSTALL_FONT}, or set IPWATCH_FONT_DIR)")
    vl_convert.register_font_directory(str(found.parent))
    return found


def svg(chart: alt.TopLevelMixin) -> str:
    """The chart as a standalone SVG string (no scripts, no network), drawn with the page's CJK font."""
    import vl_convert

    require_font()
    # schema validation costs more than rendering; the specifications are built here, not by users
    spec = chart.configure(font=FONT).configure_view(stroke=None).to_json(validate=False)
    return vl_convert.vegalite_to_svg(spec)


def status_colour() -> alt.Scale:
    """The status colour scale, by status code."""
    return alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))


def status_overview(counts: list[dict]) -> str:
    """Counts per status: a bar per status, labelled with its word and count. `counts`: status, label, n."""
    data = pl.DataFrame(counts, schema={"status": pl.String, "label": pl.String, "n": pl.Int64})
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=None, title=None),
        x=alt.X("n:Q", title="指标数（项）", axis=alt.Axis(tickMinStep=1)),
    )
    bars = base.mark_bar().encode(color=alt.Color("status:N", scale=status_colour(), legend=None))
    text = base.mark_text(align="left", dx=3).encode(text="n:Q")
    return svg((bars + text).properties(width=WIDTH - 160, height=alt.Step(22)))


def progress_bars(rows: list[dict]) -> str:
    """Each target's completion as a bar against a tick at 序时进度, with its status word. `rows`: progress rows."""
    data = pl.DataFrame([{
        "target": r["wording"], "completion": min(max(r["completion"] or 0.0, 0.0), 1.5),
        "expected": r["expected"], "status": r["status"], "label": r["status_label"],
        # the word stands clear of both the bar and the 序时进度 tick, never over either
        "label_at": max(min(max(r["completion"] or 0.0, 0.0), 1.5), r["expected"] or 0.0),
    } for r in rows], schema={"target": pl.String, "completion": pl.Float64, "expected": pl.Float64,
                              "status": pl.String, "label": pl.String, "label_at": pl.Float64})
    y = alt.Y("target:N", sort=None, title=None, axis=alt.Axis(labelLimit=220))
    x = alt.X("completion:Q", title="完成度（竖线为序时进度）", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1.5]))
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=x, color=alt.Color("status:N", scale=status_colour(), legend=None))
    ticks = alt.Chart(data).mark_tick(color="#222", thickness=2, size=16).encode(y=y, x="expected:Q")
    words = alt.Chart(data).mark_text(align="left", dx=6, fontSize=11).encode(
        y=y, x=alt.X("label_at:Q", scale=alt.Scale(domain=[0, 1.5])), text="label:N")
    # room on the right for the word after a bar at the end of the scale
    return svg((bars + ticks + words).properties(width=WIDTH - 240, height=alt.Step(20),
                                                  padding={"right": 60, "left": 5, "top": 5, "bottom": 5}))


def trend(points: list[dict], path: list[dict], unit: str) -> str:
    """An indicator over time (`points`: t, period, value) with the plan's path to its target (`path`: t, value)."""
    actual = pl.DataFrame(points, schema={"t": pl.Float64, "period": pl.String, "value": pl.Float64})
    target = pl.DataFrame(path, schema={"t": pl.Float64, "value": pl.Float64})
    times = [p["t"] for p in points] + [p["t"] for p in path]
    years = list(range(math.floor(min(times)), math.ceil(max(times)) + 1))  # whole years only: no "2025 2025"
    x = alt.X("t:Q", title=None, axis=alt.Axis(format="d", values=years), scale=alt.Scale(zero=False))
    y = alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False))
    line = alt.Chart(actual).mark_line(point=True, color="#2166ac").encode(x=x, y=y)
    planned = alt.Chart(target).mark_line(strokeDash=[6, 4], color="#c2372f").encode(x=x, y=y)
    # the words go in a legend-like caption above the plot, never over the lines or the axis labels
    caption = alt.Chart(pl.DataFrame({"text": ["—— 实际值    - - - 规划路径" if path else "—— 实际值"]})).mark_text(
        align="left", baseline="bottom", color="#444", fontSize=11).encode(
        x=alt.value(0), y=alt.value(-6), text="text:N")
    layers = line + planned + caption if path else line + caption
    return svg(layers.properties(width=WIDTH - 80, height=200))


def ranking(rows: list[dict], unit: str) -> str:
    """Children ranked on one indicator, best first, each bar labelled with its value. `rows`: name, value."""
    data = pl.DataFrame(rows, schema={"name": pl.String, "value": pl.Float64})
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort="-x", title=None),
        x=alt.X("value:Q", title=unit),
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text=alt.Text("value:Q", format=",.2~f"))
    return svg((base.mark_bar(color="#4d7aa8") + text).properties(width=WIDTH - 200, height=alt.Step(16)))
