"""A rendered bulletin in real headless Chromium (Debian's, offline), and the PDF it prints.

The warehouse, the bulletin, the browser and the visit are built once per module (rendering alone takes seconds);
each test then checks one thing about what the visit recorded.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, Route, expect

from ipwatch import config, warehouse
from ipwatch.bulletins import bulletin, invariants, pdf
from ipwatch.warehouse import reference

from .conftest import submit, write_csv

pytestmark = pytest.mark.slow
SCRIPT_NOTE = "<script>alert(1)</script>"


@dataclass
class Visit:
    """An opened bulletin and what happened while it loaded."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    remote_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_route(self, route: Route, request: Request) -> None:
        """Let the page read local files; record and refuse anything else."""
        if request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.remote_requests.append(request.url)
            route.abort()

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture(scope="module")
def hefei_html(tmp_path_factory, catalogue) -> Path:
    """Hefei's July 2023 bulletin from a real warehouse; one note tries to inject a script."""
    tmp = tmp_path_factory.mktemp("browser")
    ws = config.workspace(tmp / "home")
    reference.initialise(ws)
    path = write_csv(tmp / "hefei.csv", [
        "340100,2023Q2,high_value_invention_patents_per_10k,15.33,,",
        f"340100,2023Q2,patent_attorneys,800,人,{SCRIPT_NOTE}",
    ])
    with warehouse.connect(ws.warehouse) as conn:
        submit(conn, ws, catalogue, path, "340100")
        [html] = [p for p in bulletin.render(conn, "2023-07", tmp / "out") if p.name == "2023-07-hefei-2022.html"]
    return html


def visit(browser: Browser, url: str) -> Visit:
    """Open `url` in a fresh page, recording console errors, remote requests and dialogs."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    seen = Visit(page)
    page.on("console", seen.on_console)
    page.on("pageerror", lambda error: seen.console_errors.append(str(error)))
    page.on("dialog", seen.on_dialog)
    page.route("**/*", seen.on_route)
    page.goto(url)
    return seen


@pytest.fixture(scope="module")
def opened(browser, hefei_html) -> Visit:
    return visit(browser, hefei_html.as_uri())


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_bulletin_shows_region_and_headline(opened):
    expect(opened.page.locator("h1")).to_contain_text("合肥市")
    expect(opened.page.locator("body")).to_contain_text("截至2023年第二季度")


def test_bulletin_logs_no_console_errors(opened):
    assert opened.console_errors == []


def test_bulletin_requests_nothing_from_the_network(opened):
    assert opened.remote_requests == []


def test_request_recorder_sees_a_remote_image(browser, tmp_path):
    """The check above is not vacuous: a page that does reach out is caught."""
    page = tmp_path / "remote.html"
    page.write_text('<img src="https://example.invalid/x.png">', "utf-8")
    seen = visit(browser, page.as_uri())
    assert seen.remote_requests == ["https://example.invalid/x.png"]
    seen.page.close()


def test_injected_script_is_shown_as_text_and_never_runs(opened):
    expect(opened.page.get_by_text(SCRIPT_NOTE)).to_be_visible()
    assert opened.dialogs == []


def test_every_chart_has_a_size(opened):
    boxes = opened.page.locator("svg").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })")
    # the status overview, the key indicator's trend, and the plan region's completion chart at least
    assert len(boxes) >= 3 and all(width > 0 and height > 0 for width, height in boxes), boxes


def test_chinese_is_drawn_with_noto_sans_cjk(opened):
    """The fonts Chromium actually used for the title's glyphs (document.fonts.check is true for any font)."""
    cdp = opened.page.context.new_cdp_session(opened.page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    title = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": title})["fonts"]
    assert {f["familyName"] for f in fonts} == {"Noto Sans CJK SC"}, fonts
    cdp.detach()


def test_screenshot_is_the_whole_page_and_not_blank(opened, browser, tmp_path):
    """A blank page of the same size compresses to a few KB; the bulletin's text makes it many times larger."""
    shot = opened.page.screenshot(path=tmp_path / "hefei.png", full_page=True)
    width, height = png_size(shot)
    assert width == 1280 and height > 800
    blank = browser.new_page(viewport={"width": width, "height": height})
    empty = blank.screenshot()
    blank.close()
    assert png_size(empty) == (width, height)
    assert len(shot) > 20_000 and len(shot) > 10 * len(empty), (len(shot), len(empty))


@pytest.fixture(scope="module")
def hefei_pdf(hefei_html, tmp_path_factory) -> Path:
    return pdf.to_pdf(hefei_html, tmp_path_factory.mktemp("pdf") / "hefei.pdf")


def poppler(tool: str, *args: str | Path) -> str:
    """What a poppler-utils tool (installed by `make browser`) prints."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} 未安装 (not installed): apt-get install poppler-utils, or run make browser as root")
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, check=True).stdout


def test_pdf_is_a4(hefei_pdf):
    assert hefei_pdf.read_bytes().startswith(b"%PDF-")
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", poppler("pdfinfo", hefei_pdf))
    width, height = float(size[1]), float(size[2])
    assert abs(width - 595.28) < 2 and abs(height - 841.89) < 2  # ISO A4, 210 × 297 mm, in points


def test_pdf_embeds_noto_sans_cjk(hefei_pdf):
    """Skia writes CFF fonts as named-less Type 3 fonts for pdffonts; their descriptors keep the real name."""
    assert all(line.split()[-5] == "yes" for line in poppler("pdffonts", hefei_pdf).splitlines()[2:])
    assert re.search(rb"/FontName /[A-Z]{6}\+NotoSansCJKsc-", hefei_pdf.read_bytes())


def test_pdf_text_is_searchable_chinese(hefei_pdf):
    text = poppler("pdftotext", hefei_pdf, "-")
    assert "合肥市" in text and "截至2023年第二季度" in text


def test_bulletin_command_writes_pdfs_beside_the_pages(tmp_path, capsys, prefect_harness):
    from ipwatch import cli

    home = str(tmp_path / "home")
    assert cli.main(["--home", home, "init"]) == 0
    assert cli.main(["--home", home, "bulletin", "--period", "2024-07", "--region", "500116", "--pdf"]) == 0
    written = [Path(line) for line in capsys.readouterr().out.splitlines()[1:]]
    assert [p.name for p in written] == ["2024-07-jiangjin-2024.html", "2024-07-jiangjin-2024.pdf"]
    assert written[1].read_bytes().startswith(b"%PDF-")


# Three plans as a director reads them: Jiangjin in force, Hefei's final evaluation, Liaoning's hundred counties.
A4_TEXT_WIDTH = 718  # 210 mm less the 2 × 10 mm margins of style.css's @page, in CSS pixels (96 per inch)


@pytest.fixture(scope="module")
def three_plans(tmp_path_factory, catalogue) -> dict[str, Path]:
    """Jiangjin's October 2026 bulletin, Hefei's final evaluation (2025) and Liaoning's January 2020 bulletin."""
    from .test_bulletin_rows import JIANGJIN

    tmp = tmp_path_factory.mktemp("plans")
    ws = config.workspace(tmp / "home")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        counties = [c for (c,) in conn.sql(
            "select region_code from regions where level = 'county' and region_code like '21%' order by 1").fetchall()]
        liaoning = [f"{c},{period},{code},{value},,"
                    for n, c in enumerate(counties)
                    for period, code, value in (("2019Q4", "invention_patents_per_10k", 2 + n % 37 / 5),
                                                ("2018Q4", "patent_applications", 400 + n * 7),
                                                ("2019Q4", "patent_applications", 440 + n * 8 + n % 5 * 30),
                                                ("2019Q4", "pct_applications", n % 11))]
        hefei = ["340100,2020Q4,pct_applications,365,件,", "340100,2024Q4,pct_applications,700,件,",
                 "340100,2025Q4,pct_applications,910,件,", "340100,2025Q4,high_value_invention_patents_per_10k,18,,",
                 "340100,2024Q4,ip_pledge_financing_amount,28,亿元,",
                 "340100,2025Q4,ip_pledge_financing_amount,31,亿元,"]
        jiangjin = [*JIANGJIN, "500116,2023Q4,high_tech_enterprises,500,家,",
                    "500116,2026Q3,high_tech_enterprises,610,家,",
                    "500116,2023Q4,invention_patents_per_10k,12,,", "500116,2026Q3,invention_patents_per_10k,19,,",
                    "500116,2024Q4,ip_pledge_financing_amount,4000,万元,",
                    "500116,2025Q4,ip_pledge_financing_amount,4500,万元,"]
        for name, rows, office in (("jiangjin.csv", jiangjin, "500116"), ("hefei.csv", hefei, "340100"),
                                   ("liaoning.csv", liaoning, "210000")):
            assert submit(conn, ws, catalogue, write_csv(tmp / name, rows), office).startswith("accepted")
        out = tmp / "out"
        pages = bulletin.render(conn, "2026-10", out, region="500116") + \
            bulletin.render(conn, "2026-10", out, region="340100") + \
            bulletin.render(conn, "2020-01", out, region="210000")
        [quarterly] = bulletin.render(conn, "2026Q3", out, region="500116")
    return {**{p.name.split("-")[-2]: p for p in pages}, "quarterly": quarterly}


@pytest.fixture(scope="module")
def shots(browser, three_plans) -> dict[str, dict]:
    """Each page opened at 1280 px: its height, a full-page screenshot beside it, and what its charts hold."""
    seen = {}
    for plan, path in three_plans.items():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(path.as_uri())
        page.screenshot(path=path.with_suffix(".png"), full_page=True)
        outside = page.evaluate("""() => [...document.querySelectorAll('figure svg')].flatMap(svg => {
            const box = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
                const r = t.getBoundingClientRect();
                return (r.left < box.left - 1 || r.right > box.right + 1) ? t.textContent : null;
            }).filter(Boolean);
        })""")
        cut = page.evaluate("""() => [...document.querySelectorAll('figure svg text')]
            .map(t => t.textContent.trim()).filter(t => t.endsWith('…'))""")
        page.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 900})
        page.emulate_media(media="print")
        seen[plan] = {"height": page.evaluate("document.documentElement.scrollHeight"), "outside": outside,
                      "print_width": page.evaluate("document.documentElement.scrollWidth"), "page": page,
                      "cut": cut, "printed": page.evaluate(PRINTED)}
    return seen


# What the page is on paper (print media, A4's text width): cells whose text runs past their border, tables
# reaching past the page's text (whose right border print clips), and figures' data tables left unprinted.
PRINTED = """() => ({
    overflowing: [...document.querySelectorAll('td, th')].filter(c => c.scrollWidth > c.clientWidth + 1)
        .map(c => c.textContent.trim()),
    past_edge: [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right
        > document.documentElement.clientWidth - 0.5).length,
    unprinted: [...document.querySelectorAll('figure details table')].filter(t => t.offsetHeight === 0).length,
    data_tables: document.querySelectorAll('figure details table').length,
})"""


def test_liaoning_plan_page_summarises_its_counties(shots, three_plans):
    """Before: every county's table inline, 125,722 px of the 2026-10 demo page. Now one row per county."""
    html = three_plans["liaoning"].read_text("utf-8")
    assert html.count('<tr><td><a href="2020-01-liaoning-2017/') == 100
    assert 'href="2020-01-liaoning-2017/210106.html">沈阳市铁西区' in html
    assert 'href="2020-01-liaoning-2017/210303.html">鞍山市铁西区' in html
    assert shots["liaoning"]["height"] < 15_000


PLANS = ("jiangjin", "hefei", "liaoning", "quarterly")


def test_chart_labels_stay_inside_their_charts(shots):
    """A label measured with the wrong font runs past the chart's edge and is clipped ("E常推进")."""
    assert {plan: seen["outside"] for plan, seen in shots.items()} == {plan: [] for plan in PLANS}


def test_no_chart_label_is_cut_short(shots):
    """Before: '知识产权师、专利代理师、知识产权专员等各…' in Hefei's completion chart; a long label wraps."""
    assert {plan: seen["cut"] for plan, seen in shots.items()} == {plan: [] for plan in PLANS}


def test_every_page_fits_the_width_of_an_a4_page(shots):
    assert {plan: seen["print_width"] for plan, seen in shots.items()} == {plan: A4_TEXT_WIDTH for plan in PLANS}


def test_every_table_and_cell_fits_its_printed_page(shots):
    """Before: the county table ran past the right margin, its border cut; now every cell holds its text."""
    assert {plan: (seen["printed"]["overflowing"], seen["printed"]["past_edge"]) for plan, seen in shots.items()} \
        == {plan: ([], 0) for plan in PLANS}


def test_every_chart_s_data_table_is_printed(shots):
    """Before: 查看数据表 was hidden in print, so the line charts reached paper without their numbers."""
    printed = {plan: seen["printed"] for plan, seen in shots.items()}
    assert all(p["data_tables"] >= 2 and p["unprinted"] == 0 for p in printed.values()), printed


@pytest.fixture(scope="module")
def printed(three_plans, tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Each of the pages printed to PDF, with its text as pdf.text reads it."""
    out = tmp_path_factory.mktemp("printed")
    printed = {plan: pdf.to_pdf(path, out / f"{plan}.pdf") for plan, path in three_plans.items()}
    return {plan: (path, pdf.text(path)) for plan, path in printed.items()}


def test_pdf_text_holds_every_page_in_layout(printed):
    path, text = printed["jiangjin"]
    pages = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", path))[1])
    assert text.count("\f") == pages and "重庆市江津区知识产权建设进度通报" in text.split("\f")[0]


def test_the_pdf_never_breaks_a_number_or_a_quarter(printed, three_plans):
    """Each number and quarter of the target tables stands whole on one line of the PDF's text. Before: '91.7' and
    '%' on two lines, '2026年第三季' and '度'."""
    for plan, (_, text) in printed.items():
        lines = text.splitlines()
        cells = re.findall(r'<td class="(?:num[^"]*|period)">(.*?)</td>', three_plans[plan].read_text("utf-8"), re.S)
        words = {w for cell in cells for w in re.findall(r"\d{4}年第[一二三四]季度|\d[\d,]*(?:\.\d+)?%?",
                                                         re.sub(r"<[^>]+>", "", cell))}
        assert len(words) > 20, plan
        assert [w for w in sorted(words) if not any(w in line for line in lines)] == [], plan


def test_the_pdf_keeps_each_number_with_its_unit(printed, three_plans):
    """Before: "3.04" at a line's end and "分" on the next (江津), "271.44 件/" and "万户" (合肥): every number of
    a page written with its unit stands with it on one line of the PDF, as the publication check requires."""
    for plan, (_, text) in printed.items():
        page = invariants.PageText.of(three_plans[plan].read_text("utf-8"))
        assert len(invariants.unit_words(page.text)) > 20, plan
        assert invariants.pdf_breaches(page, text) == [], plan


def test_the_pdf_keeps_the_numbers_of_the_line_charts(printed):
    """江津 质押融资: the years' totals and the 3,900万元 of 2026 so far the row is judged on, as a table."""
    _, text = printed["jiangjin"]
    assert "查看数据表" not in text
    for row in (r"2024年\s+4,000", r"2025年\s+4,500", r"2026年（截至第三季度）\s+评价值\s+3,900"):
        assert re.search(row, text), row


def test_the_pdf_names_the_annex_by_its_file(printed):
    """A link is dead on paper: the annex is named by its file, on one line."""
    _, text = printed["jiangjin"]
    assert re.search(r"附表（Excel）：\s*2026-10-jiangjin-2024\.xlsx", text)


def test_the_pdf_s_first_page_carries_the_status_table(printed):
    """Before: page 1 ended half empty after Figure 1, its table hidden and the next figure pushed over."""
    first = printed["jiangjin"][1].split("\f")[0]
    assert re.search(r"图1 \S*各状态指标数", first) and re.search(r"状态\s+指标数（项）", first)


def test_key_trends_draw_the_plan_s_path(three_plans):
    """高新技术企业 (新增221家) and 质押融资额 (5,000万元 a year) had no path; every key target with a value has one."""
    html = three_plans["jiangjin"].read_text("utf-8")
    for title in ("高新技术企业", "知识产权质押融资额", "每万人发明专利拥有量"):  # the targets' wordings
        # the name is the section's heading, the caption says what the chart shows (the name once per section)
        assert re.search(rf"<h3>{title}</h3>\s*<figure class=\"chart\">\s*<figcaption>走势与规划路径", html), title


def test_hefei_final_evaluation_is_judged_on_2025(three_plans):
    html = three_plans["hefei"].read_text("utf-8")
    assert three_plans["hefei"].name == "2025-final-hefei-2022.html"
    assert "合肥市知识产权建设终期评估" in html and "数据截至2025年第四季度" in html


def test_a_long_ranking_sorts_in_the_browser_and_the_county_table_still_does(shots):
    """辽宁's 100 counties: the first and last ten charted, the whole list a table a click sorts (by value, lowest
    first; again, highest first). The script took a header's index across the page: with two sortable tables the
    second sorted by the wrong column."""
    page = shots["liaoning"]["page"]
    page.emulate_media(media="screen")
    ranking = page.locator("table.sortable.ranking").first
    ranking.locator("xpath=ancestor::details").evaluate("d => d.open = true")
    values = "t => [...t.tBodies[0].rows].map(r => Number(r.cells[2].textContent.replace(/,/g, '')))"
    shown = ranking.evaluate(values)
    assert len(shown) == 100 and shown == sorted(shown, reverse=True)  # best first, as rendered
    ranking.locator("th").nth(2).click()
    assert ranking.evaluate(values) == sorted(shown)
    ranking.locator("th").nth(2).click()
    assert ranking.evaluate(values) == sorted(shown, reverse=True)
    counties = page.locator("table.sortable.counties")
    codes = "t => [...t.tBodies[0].rows].map(r => r.cells[1].textContent.trim())"
    before = counties.evaluate(codes)
    counties.locator("th").nth(1).click()  # 代码: ascending
    counties.locator("th").nth(1).click()  # descending
    assert counties.evaluate(codes) == sorted(before, reverse=True)
