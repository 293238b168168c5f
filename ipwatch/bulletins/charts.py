"""Bulletin charts: Vega-Lite specifications built with Altair, rendered to inline SVG offline by vl-convert.

Every chart carries its numbers and status words as text, so colour is never the only signal, and the bulletin
puts a table of the same data beside it.
"""

from __future__ import annotations

import bisect
import math
import re
import struct
from functools import cache
from pathlib import Path

import altair as alt
import polars as pl

from ipwatch import config
from ipwatch.domain.target_text import format_number

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
LABEL_SIZE = 10  # Vega-Lite's axis label size, in px
LABEL_WIDTH = 220  # the widest a line of an axis label may be, in px: a longer label wraps, never is cut
LINE_HEIGHT = 12  # px between the lines of a wrapped label (Vega's default for 10 px text)
# a year's quarters sit at their middles: Q1 at Y + 1/8 ... Q4 at Y + 7/8, the year's tick at Y + 1/2
QUARTER_MIDDLE = 0.875  # from progress's t (the quarter's end, year Y ending at t = Y) to the quarter's middle
# a line may not start with closing punctuation nor end with opening punctuation (中文排版: 避头尾)
NOT_FIRST = set("、，。；：？！）》」』”’%")
NOT_LAST = set("（《「『“‘")


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


@cache
def font_faces(path: Path) -> tuple[tuple[int, list[tuple[int, int, int]], bytes, int, int], ...]:
    """Each face of a font file (an .otf, or each of a .ttc): units per em, its cmap's groups
    (first char, last char, first glyph), its hmtx table, and its count of long metrics."""
    data = path.read_bytes()
    starts = [struct.unpack_from(">I", data, 12 + 4 * i)[0] for i in range(struct.unpack_from(">I", data, 8)[0])] \
        if data[:4] == b"ttcf" else [0]
    return tuple(face(data, start) for start in starts)


def face(data: bytes, start: int) -> tuple[int, list[tuple[int, int, int]], bytes, int, int]:
    """One face's metrics, read from its tables (OpenType's head, hhea, hmtx and cmap format 12)."""
    count = struct.unpack_from(">H", data, start + 4)[0]
    tables = {data[start + 12 + 16 * i:start + 16 + 16 * i].decode("latin-1"):
              struct.unpack_from(">I", data, start + 20 + 16 * i)[0] for i in range(count)}
    units = struct.unpack_from(">H", data, tables["head"] + 18)[0]
    metrics = struct.unpack_from(">H", data, tables["hhea"] + 34)[0]
    cmap, groups = tables["cmap"], []
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        if (platform, encoding) == (3, 10) and struct.unpack_from(">H", data, cmap + offset)[0] == 12:
            n = struct.unpack_from(">I", data, cmap + offset + 12)[0]
            groups = [struct.unpack_from(">III", data, cmap + offset + 16 + 12 * g) for g in range(n)]
            break
    return units, groups, data, tables["hmtx"], metrics


@cache
def advance(char: str) -> float:
    """How wide `char` is drawn in the page's font, in em: the widest of the file's faces; 1 em where the font
    has no glyph (CJK glyphs are 1 em wide, and a fallback font's are no wider)."""
    widths = []
    for units, groups, data, hmtx, metrics in font_faces(require_font()):
        at = bisect.bisect_right(groups, (ord(char), 0x10FFFF, 0x10FFFF)) - 1
        if at >= 0 and groups[at][0] <= ord(char) <= groups[at][1]:
            glyph = groups[at][2] + ord(char) - groups[at][0]
            widths.append(struct.unpack_from(">H", data, hmtx + 4 * min(glyph, metrics - 1))[0] / units)
    return max(widths, default=1.0)


def text_width(text: str, size: float = LABEL_SIZE) -> float:
    """The width of `text` in px at `size` px, measured with the page's font."""
    return sum(advance(c) for c in text) * size


def wrap(text: str, width: float = LABEL_WIDTH, size: float = LABEL_SIZE) -> list[str]:
    """`text` in as few lines as fit `width` px, of even length (no '…转化' / '率' with one character left over):
    the narrowest width, from the even share up, that still takes no more lines."""
    lines = greedy(text, width, size)
    for narrower in range(math.ceil(text_width(text, size) / len(lines)) if lines else 0, math.ceil(width), 5):
        if len(balanced := greedy(text, narrower, size)) == len(lines):
            return balanced
    return lines


def greedy(text: str, width: float, size: float) -> list[str]:
    """`text` in lines no wider than `width` px, each filled in turn: broken between CJK characters, never inside a
    Latin word or a number, no line starting with closing punctuation or ending with opening punctuation."""
    tokens = re.findall(r"[A-Za-z0-9.,%+\-]+|\s+|.", text)
    lines: list[str] = [""]
    for token in tokens:
        fits = text_width(lines[-1] + token, size) <= width
        if fits or not lines[-1].strip() or token[0] in NOT_FIRST:
            lines[-1] += token
        elif lines[-1][-1] in NOT_LAST:
            lines[-1], carried = lines[-1][:-1], lines[-1][-1]
            lines.append(carried + token.lstrip())
        else:
            lines[-1], carried = after_pause(lines[-1])
            lines.append(carried + token.lstrip())
    return [line.strip() for line in lines if line.strip()]


def after_pause(line: str) -> tuple[str, str]:
    """A full line split after its last 、or ，in its second half, so a wrapped label breaks between the items
    it lists ('…专员等' / '各类人才数量' rather than '…各类人' / '才数量'); else the line as it is."""
    at = max(line.rfind("、"), line.rfind("，"))
    return (line[:at + 1], line[at + 1:]) if at >= len(line) // 2 and at < len(line) - 1 else (line, "")


def wrapped_labels(texts: list[str]) -> tuple[list[str], int]:
    """Each label wrapped, as one string with its lines joined by newlines (an axis splits them again), made
    unique where two labels are the same (a band per row); and the most lines any label has."""
    seen: dict[str, int] = {}
    out, most = [], 1
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
        lines = wrap(text if seen[text] == 1 else f"{text}（{seen[text]}）")
        out.append("\n".join(lines))
        most = max(most, len(lines))
    return out, most


def label_axis(**kwargs) -> alt.Axis:
    """An axis of wrapped labels (see wrapped_labels): each drawn whole, line by line, never cut short."""
    return alt.Axis(labelExpr="split(datum.value, '\\n')", labelLimit=0, labelFontSize=LABEL_SIZE,
                    labelLineHeight=LINE_HEIGHT, **kwargs)


def band(lines: int, least: int) -> alt.Step:
    """A band for each row, tall enough for its label's `lines` and at least `least` px."""
    return alt.Step(max(least, lines * LINE_HEIGHT + 4))


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
    labels, lines = wrapped_labels([c["label"] for c in counts])
    data = pl.DataFrame([{**c, "label": label} for c, label in zip(counts, labels, strict=True)],
                        schema={"status": pl.String, "label": pl.String, "n": pl.Int64})
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=label_axis()),
        x=alt.X("n:Q", title="指标数（项）", axis=alt.Axis(tickMinStep=1)),
    )
    bars = base.mark_bar().encode(color=alt.Color("status:N", scale=status_colour(), legend=None))
    text = base.mark_text(align="left", dx=3).encode(text="n:Q")
    return svg((bars + text).properties(width=WIDTH - 160, height=band(lines, 22)))


def progress_bars(rows: list[dict], final: bool = False) -> str:
    """Each target's completion as a bar against a tick at 序时进度 (at a final evaluation, all of the plan's time:
    the target), with its status word. `rows`: progress rows."""
    targets, lines = wrapped_labels([r["wording"] for r in rows])
    data = pl.DataFrame([{
        "target": target, "completion": min(max(r["completion"] or 0.0, 0.0), 1.5),
        "expected": r["expected"], "status": r["status"], "label": r["status_label"],
        # the word stands clear of both the bar and the 序时进度 tick, never over either
        "label_at": max(min(max(r["completion"] or 0.0, 0.0), 1.5), r["expected"] or 0.0),
    } for r, target in zip(rows, targets, strict=True)],
        schema={"target": pl.String, "completion": pl.Float64, "expected": pl.Float64,
                "status": pl.String, "label": pl.String, "label_at": pl.Float64})
    y = alt.Y("target:N", sort=None, title=None, axis=label_axis())
    title = "完成度（竖线为目标）" if final else "完成度（竖线为序时进度）"
    x = alt.X("completion:Q", title=title, axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1.5]))
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=x, color=alt.Color("status:N", scale=status_colour(), legend=None))
    ticks = alt.Chart(data).mark_tick(color="#222", thickness=2, size=16).encode(y=y, x="expected:Q")
    words = alt.Chart(data).mark_text(align="left", dx=6, fontSize=11).encode(
        y=y, x=alt.X("label_at:Q", scale=alt.Scale(domain=[0, 1.5])), text="label:N")
    # room on the right for the word after a bar at the end of the scale
    return svg((bars + ticks + words).properties(width=WIDTH - 240, height=band(lines, 20),
                                                  padding={"right": 60, "left": 5, "top": 5, "bottom": 5}))


def position(t: float) -> float:
    """Where a quarter stands on a trend's axis, in calendar years: its middle (2020Q1 at 2020.125), from
    progress's t, the quarter's end with year Y ending at t = Y (2020Q1 is t = 2019.25)."""
    return t + QUARTER_MIDDLE


def year_ticks(xs: list[float]) -> list[float]:
    """A tick at the middle of each year the chart spans (2020.5 for 2020): amid the year's own quarters, so each
    point is nearest the tick of its own year."""
    return [year + 0.5 for year in range(math.floor(min(xs)), math.floor(max(xs)) + 1)]


def trend_frame(points: list[dict]) -> pl.DataFrame:
    """Trend points where they stand (`x`), whether each is a year so far, its mark, and what it is in words."""
    return pl.DataFrame([{
        "x": position(p["t"]), "value": p["value"], "partial": bool(p.get("year_to_date")), "mark": p.get("mark") or "",
        "about": f"{p.get('label') or p['period']} {format_number(p['value'])}",
    } for p in points], schema={"x": pl.Float64, "value": pl.Float64, "partial": pl.Boolean, "mark": pl.String,
                                "about": pl.String})


def trend(points: list[dict], path: list[dict], unit: str) -> str:
    """An indicator over time (`points`: t, period, value, and year_to_date for a flow's year so far) with the
    plan's path to its target (`path`: t, value). A year so far is a hollow point marked 截至第N季度, apart from
    the line of full years it is not comparable with."""
    actual = trend_frame(points)
    target = pl.DataFrame([{"x": position(p["t"]), "value": p["value"]} for p in path],
                          schema={"x": pl.Float64, "value": pl.Float64})
    ticks = year_ticks([*actual["x"], *target["x"]])
    domain = [ticks[0] - 0.5, ticks[-1] + 0.5]
    x = alt.X("x:Q", title=None, scale=alt.Scale(domain=domain, nice=False, zero=False),
              axis=alt.Axis(values=ticks, labelExpr="floor(datum.value) + '年'", grid=False))
    y = alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False))
    # year boundaries as faint lines: a year's quarters sit between two of them, its label in the middle
    bounds = alt.Chart(pl.DataFrame({"x": [float(b) for b in range(int(domain[0]), int(domain[1]) + 1)]})).mark_rule(
        color="#e4e4e4").encode(x=x)
    full, partial = actual.filter(~pl.col("partial")), actual.filter(pl.col("partial"))
    # each point says what it is (its period, and the year so far) to a screen reader and to a checker
    about = alt.Description("about:N")
    layers = [bounds, alt.Chart(full).mark_line(point=True, color="#2166ac").encode(x=x, y=y, description=about)]
    if partial.height:
        layers.append(alt.Chart(partial).mark_point(filled=False, color="#2166ac", size=60).encode(
            x=x, y=y, description=about))
        layers.append(alt.Chart(partial).mark_text(align="left", dx=6, dy=-8, fontSize=10, color="#2166ac").encode(
            x=x, y=y, text="mark:N"))
    if path:
        layers.append(alt.Chart(target).mark_line(strokeDash=[6, 4], color="#c2372f").encode(x=x, y=y))
    # the words go in a legend-like caption above the plot, never over the lines or the axis labels
    words = "—— 实际值" + ("    ○ 本年累计" if partial.height else "") + ("    - - - 规划路径" if path else "")
    layers.append(alt.Chart(pl.DataFrame({"text": [words]})).mark_text(
        align="left", baseline="bottom", color="#444", fontSize=11).encode(
        x=alt.value(0), y=alt.value(-6), text="text:N"))
    return svg(alt.layer(*layers).properties(width=WIDTH - 80, height=200))


def ranking_bars(rows: list[dict], unit: str, title: str | None = None,
                 domain: list[float] | None = None) -> alt.Chart:
    """Regions as bars in the order given (best first), each labelled with its place and its value."""
    names, lines = wrapped_labels([f"{r['rank']}. {r['name']}" if title else r["name"] for r in rows])
    data = pl.DataFrame([{"name": name, "value": r["value"]} for r, name in zip(rows, names, strict=True)],
                        schema={"name": pl.String, "value": pl.Float64})
    base = alt.Chart(data, title=alt.Title(title, anchor="start", fontSize=12) if title else alt.Undefined).encode(
        y=alt.Y("name:N", sort=None if title else "-x", title=None, axis=label_axis()),
        x=alt.X("value:Q", title=unit, scale=alt.Scale(domain=domain) if domain else alt.Undefined),
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text=alt.Text("value:Q", format=",.2~f"))
    return (base.mark_bar(color="#4d7aa8") + text).properties(width=WIDTH - 200, height=band(lines, 16))


def ranking(rows: list[dict], unit: str) -> str:
    """Children ranked on one indicator, best first, each bar labelled with its value. `rows`: name, value."""
    return svg(ranking_bars(rows, unit))


def ranking_ends(top: list[dict], bottom: list[dict], unit: str) -> str:
    """A long ranking's first and last places as two charts on one scale, each bar named with its place
    ('1. 沈阳市和平区'), so the two ends compare at a glance. `rows`: rank, name, value."""
    values = [r["value"] for r in (*top, *bottom)]
    domain = [min(0.0, *values), max(0.0, *values)]
    return svg(alt.vconcat(ranking_bars(top, unit, f"前{len(top)}名", domain),
                           ranking_bars(bottom, unit, f"后{len(bottom)}名", domain), spacing=18))
