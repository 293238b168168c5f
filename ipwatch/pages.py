"""The one Jinja2 environment every HTML page is rendered with (bulletins, rejection reports, the auditor's
report): templates from reports/templates, compiled once per process, and the filters they share."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ipwatch import config
from ipwatch.domain import finding, labels, signoff, target_text


@cache
def environment() -> Environment:
    """Jinja2 with autoescaping: all text from submissions is escaped. Cached, so each template is compiled once
    however many reports or region pages a run writes."""
    env = Environment(
        loader=FileSystemLoader(config.TEMPLATES_DIR), autoescape=select_autoescape(default=True),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["num"] = target_text.format_number
    env.filters["pct"] = format_percent
    env.filters["change"] = format_change
    env.filters["when"] = format_time
    env.filters["quarter"] = target_text.period_text
    env.filters["keep_units"] = keep_units
    env.filters["rule_names"] = rule_names
    env.filters["fault_count"] = finding.fault_count
    env.globals["UNLISTED"] = finding.UNLISTED
    env.filters["signoff_state"] = signoff.STATE_NAMES.get
    return env


def keep_units(text: object) -> Markup:
    """Text that may wrap, escaped, with each number kept on one line with its unit ("211.66 亿元" never parted as
    "211.66 亿" and "元"), and a break allowed between a percentage and the bracket after it."""
    kept = target_text.number_and_unit().sub(lambda m: f'<span class="nw">{m[0]}</span>', str(escape(text)))
    return Markup(kept.replace("%（", "%<wbr>（").replace("‰（", "‰<wbr>（"))  # noqa: S704 - escaped above


def rule_names(codes: str) -> str:
    """Rules' codes joined by '、' (a value's open findings) as their Chinese names: a page for people never shows
    a code."""
    return "、".join(labels.rule(code) for code in codes.split("、"))


def format_time(moment: object) -> str:
    """A timestamp to the minute; '—' when missing."""
    return moment.strftime("%Y-%m-%d %H:%M") if hasattr(moment, "strftime") else "—"


def format_percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal; '—' when missing."""
    return "—" if value is None else target_text.percent(value)


def format_change(value: float | None, in_points: bool, unit: str = "%") -> str:
    """A change on the quarter or year: relative for counts and amounts, in 百分点 (or 分) for rates and scores."""
    if value is None:
        return "—"
    if not in_points:
        return f"{value * 100:+.1f}%"
    return f"{value:+.2f}".rstrip("0").rstrip(".") + ("分" if unit == "分" else "个百分点")
