"""The portal as its users meet it: `ipwatch web` as a real server process on a free loopback port, over a real
warehouse in a temporary workspace, driven in Debian's headless Chromium (tests/conftest.py's `browser`).

An office logs in, downloads its form, fills it with openpyxl, uploads it and reads the receipt; uploads a faulty
one and sees each error at its cell; an auditor decides a finding; every forbidden door is tried by URL. The
screenshots (login.png, office.png, receipt-accepted.png, receipt-rejected.png, rejection-*.png, queue.png,
finding.png, office-decisions.png, receipt-decisions.png, users.png, forbidden.png) are kept in the module's
temporary folder, `<basetemp>/portal0/`. The tests run in
the file's order, as a day's work: the auditor decides on a finding of the form the office uploaded before.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from ipwatch.intake import template
from ipwatch.portal import users

from .conftest import PORTAL_PASSWORD as PASSWORD
from .conftest import fill

pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser: Browser, portal_url: str):
    """A fresh browser context (no cookies) whose every request must stay on the portal, and whose console
    errors (a CSP violation is one) are collected."""
    context = browser.new_context(base_url=portal_url, accept_downloads=True)
    outside, errors = [], []
    context.route(re.compile(r"^(?!" + re.escape(portal_url) + ").*"),
                  lambda route, request: (outside.append(request.url), route.abort()))
    tab = context.new_page()
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert outside == []
    assert [e for e in errors if "status of 4" not in e] == []  # refused pages (403, 429) log their status only


def log_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def form_rows(path: Path) -> dict[str, int]:
    sheet = load_workbook(path)[template.FORM_SHEET]
    return {sheet.cell(row=r, column=1).value: r for r in range(template.TABLE_HEADER_ROW + 1, sheet.max_row + 1)
            if sheet.cell(row=r, column=1).value}


def upload(page: Page, path: Path) -> None:
    page.goto("/regions/340100")
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("heading", name="报送回执")).to_be_visible(timeout=120_000)


@pytest.fixture(scope="module")
def downloaded(browser: Browser, portal_url: str, portal_folder: Path) -> Path:
    """The office's 2025Q3 form, downloaded from its page (the link in its calendar row)."""
    context = browser.new_context(base_url=portal_url, accept_downloads=True)
    tab = context.new_page()
    log_in(tab, "hefei")
    with tab.expect_download() as download:
        tab.get_by_role("link", name="下载2025年第三季度报表").click()
    path = portal_folder / "form.xlsx"
    download.value.save_as(path)
    assert download.value.suggested_filename == "340100-2025Q3.xlsx"
    context.close()
    return path


def test_the_login_page_asks_for_name_and_password(page, portal_folder):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.screenshot(path=portal_folder / "login.png", full_page=True)


def test_an_office_logs_in_to_its_calendar_and_upload_form(page, portal_folder):
    log_in(page, "hefei")
    expect(page).to_have_url(re.compile(r"/regions/340100$"))
    expect(page.get_by_role("heading", name="报送日历")).to_be_visible()
    expect(page.locator("table.calendar tbody tr")).to_have_count(8)
    # the portal's own stylesheet applies (retried: on a loaded machine it can land after the heading shows)
    expect(page.locator(".portal-bar")).to_have_css("border-bottom-style", "solid")
    page.screenshot(path=portal_folder / "office.png", full_page=True)


def test_the_downloaded_form_is_the_regions_excel_form(downloaded):
    sheet = load_workbook(downloaded)[template.FORM_SHEET]
    assert "pct_applications" in form_rows(downloaded)
    assert sheet.title == template.FORM_SHEET


def test_an_office_uploads_its_filled_form_and_reads_the_receipt(page, downloaded, portal_folder):
    path = portal_folder / "合肥 2025Q3.xlsx"
    path.write_bytes(Path(downloaded).read_bytes())
    fill(path, {"pct_applications": 700})
    log_in(page, "hefei")
    upload(page, path)
    expect(page.locator(".verdict")).to_contain_text("已接收")
    expect(page).to_have_url(re.compile(r"/regions/340100/submissions/\d+$"))
    expect(page.locator(".meta").first).to_contain_text("合肥 2025Q3.xlsx")
    page.screenshot(path=portal_folder / "receipt-accepted.png", full_page=True)
    page.goto("/regions/340100/submissions")
    expect(page.locator("tbody tr").first).to_contain_text("合肥 2025Q3.xlsx")
    page.locator("tbody tr").first.get_by_role("link", name="合肥 2025Q3.xlsx").click()
    expect(page.locator(".verdict")).to_contain_text("已接收")


def test_an_office_uploads_a_faulty_form_and_sees_each_error_at_its_cell(page, downloaded, portal_folder):
    faulty = portal_folder / "faulty.xlsx"
    faulty.write_bytes(Path(downloaded).read_bytes())
    rows = form_rows(faulty)
    fill(faulty, {"pct_applications": "12a", "patent_attorneys": -5}, statuses={"pct_applications": "大概"})
    log_in(page, "hefei")
    upload(page, faulty)
    expect(page.locator(".verdict")).to_contain_text("已退回")
    errors = page.locator("h2:has-text('错误') + table tbody tr")
    expect(errors).to_have_count(3)
    for cell in (f"填报表!E{rows['pct_applications']}", f"填报表!F{rows['pct_applications']}",
                 f"填报表!E{rows['patent_attorneys']}"):
        expect(errors.filter(has_text=cell)).to_have_count(1)
    assert words_broken(page) == []
    page.screenshot(path=portal_folder / "receipt-rejected.png", full_page=True)


# The lines each header of a fault table is laid out on: a header broken inside its word (填报内容 one character
# a line) has more than one.
HEADER_LINES = """() => [...document.querySelectorAll('table.faults th')].map(th => {
  const range = document.createRange(); range.selectNodeContents(th);
  return [th.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
})"""


def words_broken(page: Page) -> list:
    """The fault tables' headers laid out on more than one line."""
    return [(text, lines) for text, lines in page.evaluate(HEADER_LINES) if lines > 1]


@pytest.mark.parametrize("width", [1280, 900])
def test_the_rejection_report_breaks_no_header_inside_a_word(browser, portal_folder, width):
    [report] = (portal_folder / "home" / "quarantine").glob("*.errors.html")  # the faulty form's, above
    tab = browser.new_page(viewport={"width": width, "height": 1200})
    tab.set_content(report.read_text("utf-8"))
    assert tab.locator("table.faults th").count() >= 6
    assert words_broken(tab) == []
    tab.screenshot(path=portal_folder / f"rejection-{width}.png", full_page=True)
    tab.close()


def test_an_office_reads_its_bulletin_with_its_own_styles_under_the_portals_csp(page, portal_folder):
    from ipwatch import config, warehouse
    from ipwatch.bulletins import bulletin

    ws = config.workspace(portal_folder / "home")
    with warehouse.connect(ws.warehouse) as conn:  # the portal holds the warehouse only while it answers
        bulletin.render(conn, "2025-10", ws.bulletins, region="340100")
    log_in(page, "hefei")
    page.get_by_role("link", name="进度通报").first.click()
    page.locator("main table a").first.click()
    expect(page.locator("h1.masthead-title")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('h1.masthead-title')).color") == "rgb(192, 0, 0)"
    expect(page.locator("figure.chart svg").first).to_be_visible()
    page.screenshot(path=portal_folder / "bulletin.png")


def test_an_auditor_decides_a_finding_with_a_reason(page, portal_folder):
    log_in(page, "shen")
    expect(page).to_have_url(re.compile(r"/audit$"))
    expect(page.locator("table.queue tbody tr").first).to_be_visible()
    page.screenshot(path=portal_folder / "queue.png", full_page=True)
    page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
    page.get_by_label(re.compile("^ 确认")).check()
    page.get_by_label("理由").fill("已电话核实，数值属实")
    page.get_by_role("button", name="记录审核结论").click()
    expect(page.locator(".verdict")).to_contain_text("审核结论已记录")
    expect(page.locator("table").filter(has_text="已电话核实")).to_contain_text("shen")
    page.screenshot(path=portal_folder / "finding.png", full_page=True)


def test_an_office_reads_a_correction_asked_for_on_its_page_and_receipt(page, portal_folder):
    log_in(page, "shen")
    page.goto("/audit?rule=value_missing")
    page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
    indicator = page.locator("table.facts tr", has_text="填报行").inner_text().split("·")[-1].split("（")[0].strip()
    page.get_by_label(re.compile("^ 更正")).check()
    page.get_by_label("理由").fill("与上季度相比明显缺报，请补填本期数值")
    page.get_by_role("button", name="记录审核结论").click()
    expect(page.locator(".verdict")).to_contain_text("审核结论已记录")
    page.get_by_role("button", name=re.compile("退出")).click()
    log_in(page, "hefei")
    decisions = page.locator("table.decisions")
    expect(decisions).to_contain_text("与上季度相比明显缺报，请补填本期数值")
    expect(decisions).to_contain_text(indicator)
    expect(decisions).to_contain_text("请更正后重新报送")
    expect(page.locator("table.calendar tr", has_text="2025年第三季度")).to_contain_text("待更正")
    page.screenshot(path=portal_folder / "office-decisions.png", full_page=True)
    decisions.get_by_role("link").first.click()
    expect(page.locator(".verdict")).to_contain_text("要求更正，请更正后重新报送")
    expect(page.locator("section.receipt-decisions")).to_contain_text("与上季度相比明显缺报")
    page.screenshot(path=portal_folder / "receipt-decisions.png", full_page=True)


def test_an_office_is_refused_another_regions_page_and_every_forbidden_action(page, portal_folder, portal_url):
    log_in(page, "hefei")
    reply = page.goto("/regions/210000")
    assert reply.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    assert "辽宁" not in page.content()
    page.screenshot(path=portal_folder / "forbidden.png", full_page=True)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    for path in ("/regions/210000/submissions", "/regions/210000/template?period=2025Q3", "/audit",
                 "/audit/findings/1", "/admin/users"):
        assert page.request.get(path).status == 403, path
    assert page.request.post("/regions/210000/submissions", multipart={
        "csrf": csrf, "file": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"a,b\n"}}).status == 403
    assert page.request.post("/audit/findings/1/decision", form={
        "csrf": csrf, "decision": "confirm", "reason": "x"}).status == 403
    assert page.request.post("/admin/users", form={
        "csrf": csrf, "user_name": "evil", "role": "admin", "password": PASSWORD}).status == 403


def test_a_post_without_the_csrf_token_is_refused(page):
    log_in(page, "hefei")
    reply = page.request.post("/regions/340100/submissions", multipart={
        "file": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"a,b\n"}})
    assert reply.status == 403


def test_an_administrator_manages_users(page, portal_folder):
    log_in(page, "root")
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    new = page.locator("#new-user")
    new.get_by_label("用户名").fill("jiangjin")
    new.get_by_label("角色").select_option("office")
    new.get_by_label(re.compile("行政区划代码")).fill("500116")
    new.get_by_label(re.compile("初始密码")).fill(PASSWORD)
    new.get_by_role("button", name="开设").click()
    expect(page.locator(".verdict")).to_contain_text("已开设用户 jiangjin")
    page.screenshot(path=portal_folder / "users.png", full_page=True)


def test_logins_are_throttled_after_repeated_failures(page):
    for _ in range(users.THROTTLE_USER):
        log_in(page, "liaoning", "wrong password")
        expect(page.locator(".alert")).to_contain_text("用户名或密码错误")
    log_in(page, "liaoning")
    expect(page.locator(".alert")).to_contain_text("登录失败次数过多")
    expect(page).to_have_url(re.compile(r"/login$"))
