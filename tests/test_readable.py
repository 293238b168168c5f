"""Nothing a person reads says None, nan, null or Traceback: every page and command output of a real workspace.

The workspace is made from generated submissions (seeded): Hefei's counties over quarters, some rows broken in one
of many ways (unknown region or indicator, value missing, words for a number, a wrong unit, a cell lost, a jump),
so that files are accepted, accepted with warnings and rejected; one value corrected; findings decided each way.
Then every reader's view of it is rendered and searched: the CLI's lists, every finding shown, the report, history
and progress, the bulletins, the rejection reports and GX's Data Docs (their text as a browser shows it).
"""

from __future__ import annotations

import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ipwatch import audit, cli, config, warehouse
from ipwatch.bulletins import bulletin

from .conftest import process, write_csv

HEFEI = ("340102", "340103", "340104", "340111", "340121", "340122")
QUARTERS = ("2024Q4", "2025Q1", "2025Q2", "2025Q3")
INDICATORS = (("pct_applications", "件"), ("patent_attorneys", "人"))
# a fault of each kind, as it changes one line's cells (region, period, indicator, value, unit, note)
FAULTS = {
    "region_unknown": lambda c: [c[0] + "1", *c[1:]],
    "region_outside": lambda c: ["440300", *c[1:]],
    "indicator_unknown": lambda c: [c[0], c[1], "不存在的指标", *c[3:]],
    "period_bad": lambda c: [c[0], "2025Q5", *c[2:]],
    "value_missing": lambda c: [*c[:3], "/", *c[4:]],
    "value_words": lambda c: [*c[:3], "约3.4万", *c[4:]],
    "value_part": lambda c: [*c[:3], "3.5", *c[4:]],
    "value_blank": lambda c: [*c[:3], "", *c[4:]],
    "unit_wrong": lambda c: [*c[:4], "公斤", c[5]],
    "cell_lost": lambda c: c[:5],
    "jump": lambda c: [*c[:3], str(int(c[3]) * 40), *c[4:]],
}
UNREADABLE = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\bnull\b|Traceback")


class VisibleText(HTMLParser):
    """The text a browser shows of a page: no script, style or markup."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible(path: Path) -> str:
    parser = VisibleText()
    parser.feed(path.read_text("utf-8"))
    return " ".join(parser.parts)


def generated_files(folder: Path, seed: int) -> list[Path]:
    """Files of Hefei's office: each quarter's values of every county, a fault in about one line of five."""
    rng = random.Random(seed)
    paths = []
    for number, quarter in enumerate(QUARTERS):
        lines = []
        for region in HEFEI:
            for indicator, unit in INDICATORS:
                cells = [region, quarter, indicator, str(rng.randint(20, 60) + 5 * number), unit, ""]
                if rng.random() < 0.2:
                    cells = FAULTS[rng.choice(sorted(FAULTS))](cells)
                lines.append(",".join(cells))
        paths.append(write_csv(folder / f"340100-{quarter}-{number}.csv", lines))
    # the city's own row alone: every county's required values missing, summary findings on no line
    paths.append(write_csv(folder / "340100-2025Q3-city.csv", ["340100,2025Q3,pct_applications,700,件,"]))
    return paths


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, initialised_home, catalogue) -> config.Workspace:
    """A workspace with accepted, warned and rejected files, a correction, and findings decided each way."""
    tmp = tmp_path_factory.mktemp("readable")
    shutil.copytree(initialised_home, tmp / "home")
    ws = config.workspace(tmp / "home")
    (tmp / "in").mkdir()
    with warehouse.connect(ws.warehouse) as conn:
        outcomes = process(conn, ws, catalogue, [(p, "340100") for p in generated_files(tmp / "in", seed=27)])
        correction = write_csv(tmp / "in" / "340100-2025Q3-fix.csv", ["340102,2025Q3,pct_applications,41,件,"])
        outcomes += process(conn, ws, catalogue, [(correction, "340100")])
        open_ids = [f["finding_id"] for f in audit.list_findings(conn, status="open")]
        for finding_id, decision in zip(open_ids, ("confirm", "override", "correct-requested"), strict=False):
            audit.decide(conn, finding_id, decision, "核实", "张三")
    # the class needs every kind of outcome present, or the search below proves little
    assert {o["status"] for o in outcomes} >= {"accepted", "accepted_with_warnings", "rejected"}, outcomes
    assert len(open_ids) >= 3
    return ws


def run(capsys, ws: config.Workspace, *args: str) -> str:
    """What `ipwatch --home … ARGS` prints, its errors too."""
    code = cli.main(["--home", str(ws.home), *args])
    out = capsys.readouterr()
    assert code in (0, 2), (args, out)
    return out.out + out.err


def unreadable(text: str) -> list[str]:
    """Each line of `text` that says None, nan, null or Traceback."""
    return [line for line in text.splitlines() if UNREADABLE.search(line)]


def test_the_search_finds_what_it_looks_for():
    """Not vacuous: the words are caught as printed, not inside other words (Nonetheless, annual, nullable)."""
    assert unreadable("None (3401001)\n上期 nan\nTraceback (most\nNonetheless annual nullable") == [
        "None (3401001)", "上期 nan", "Traceback (most"]


def test_every_finding_shown_names_its_parts_without_none(workspace, capsys):
    with warehouse.connect(workspace.warehouse, read_only=True) as conn:
        ids = [f["finding_id"] for f in audit.list_findings(conn)]
    shown = "\n".join(run(capsys, workspace, "audit", "show", str(i)) for i in ids)
    assert unreadable(shown) == []


def test_the_finding_of_an_unknown_region_shows_a_dash_for_its_name(workspace, capsys):
    """`audit show` printed "None (3401001)": a region code no region has has no name."""
    with warehouse.connect(workspace.warehouse, read_only=True) as conn:
        [first, *_] = [f for f in audit.list_findings(conn) if f["rule"] == "region_known"]
    assert re.search(r"— \(\d{7}\)", run(capsys, workspace, "audit", "show", str(first["finding_id"])))


@pytest.mark.parametrize("args", [
    ("audit",), ("audit", "--status", "已结"), ("audit", "--status", "待审核"), ("audit", "--rule", "region_known"),
    ("audit", "decide", "--rule", "value_missing", "--decision", "确认", "--reason", "核实", "--by", "张三"),
    ("history", "--region", "340102", "--indicator", "pct_applications"),
    ("progress", "--region", "340100", "--period", "2025Q3"),
    ("catalogue",), ("users",),
])
def test_command_output_says_no_none(workspace, capsys, args):
    assert unreadable(run(capsys, workspace, *args)) == []


def test_every_rendered_page_says_no_none(workspace, capsys, tmp_path):
    """The auditor's report with GX's Data Docs, the bulletins of the quarter, and every rejection report."""
    run(capsys, workspace, "audit", "report", "-o", str(tmp_path / "audit"))
    with warehouse.connect(workspace.warehouse) as conn:
        bulletin.render(conn, "2025Q3", tmp_path / "bulletins")
    pages = [*(tmp_path / "audit").rglob("*.html"), *(tmp_path / "bulletins").rglob("*.html"),
             *workspace.home.joinpath("quarantine").rglob("*.html")]
    kinds = {p.relative_to(tmp_path).parts[0] if p.is_relative_to(tmp_path) else "quarantine" for p in pages}
    assert kinds == {"audit", "bulletins", "quarantine"}, pages
    assert (tmp_path / "audit" / "data_docs" / "index.html") in pages
    found = {p.name: lines for p in pages if (lines := unreadable(visible(p)))}
    assert found == {}
