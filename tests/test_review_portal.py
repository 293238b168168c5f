"""Sign-off (逐级审核, #29) in the portal as its people meet it: a real `ipwatch web` process (tests/conftest.py's
`portal_url`) driven in Debian's headless Chromium and spoken to over HTTP, cookies and CSRF tokens and all.

连山区 (211402) reports 2019Q3 under 辽宁's provincial plan: its chain is 连山区 → 葫芦岛市 (211400) → 辽宁省
(210000). The clerk uploads and submits; the city returns it with a reason; the clerk reads the reason, corrects,
resubmits; the city approves; the province accepts. Then every forbidden door is tried, and nothing reaches
approval_log. The screenshots (review-*.png, office-*.png) are kept in `<basetemp>/portal0/`. The tests run in the
file's order, as a day's work.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from ipwatch import approval, config, warehouse
from ipwatch.intake import pipeline

from . import test_web_browser
from .test_approval import LIANSHAN_2019Q3
from .test_portal_server import add_user, signed_in, token, warehouse_rows
from .test_web_browser import log_in

page = test_web_browser.page  # the fixture: a fresh browser context, offline, its console errors collected
pytestmark = pytest.mark.slow

HEADER = "region_code,period,indicator_code,value,unit,note"
# 沈阳's 13 counties and 大连's first 7: 20 county-quarters the province accepts in one action
TWENTY = ["210102", "210103", "210104", "210105", "210106", "210111", "210112", "210113", "210114", "210115",
          "210123", "210124", "210181", "210202", "210203", "210204", "210211", "210212", "210213", "210214"]


@pytest.fixture(scope="module")
def accounts(portal_url, portal_folder) -> str:
    """The chain's offices, another city (朝阳市 211300) and its county (双塔区 211302); `liaoning` (210000), the
    auditor `shen` and the administrator `root` are conftest's."""
    for name, region in (("lianshan", "211402"), ("huludao", "211400"), ("chaoyang", "211300"),
                         ("shuangta", "211302")):
        add_user(portal_folder, name, "office", region)
    from ipwatch.bulletins import publication

    # sign-off governs these quarters
    with warehouse.connect(config.workspace(portal_folder / "home").warehouse) as conn:
        publication.begin_signoff(conn, "2019Q1", "管理员")
    return portal_url


def steps(folder: Path, region: str = "211402", quarter: str = "2019Q3") -> list[tuple]:
    return warehouse_rows(folder, "select action, office_code, acted_by from approval_log where region_code = $r "
                          "and quarter = $q order by log_id", r=region, q=quarter)


def log_size(folder: Path) -> int:
    return warehouse_rows(folder, "select count(*) from approval_log")[0][0]


def upload_csv(page: Page, folder: Path, name: str, rows: list[str]) -> None:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", "utf-8")
    page.goto("/regions/211402")
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("heading", name="报送回执")).to_be_visible(timeout=120_000)
    expect(page.locator(".verdict")).to_contain_text("已接收")


def test_a_clerk_uploads_and_submits_its_quarter(page, accounts, portal_folder):
    log_in(page, "lianshan")
    upload_csv(page, portal_folder, "连山区 2019Q3.csv", LIANSHAN_2019Q3)
    page.goto("/regions/211402?to=2019Q4")
    row = page.locator("table.calendar tr", has_text="2019年第三季度")
    expect(row.locator("td.signoff")).to_contain_text("未上报")
    row.get_by_role("button", name="上报2019年第三季度").click()
    expect(page.locator(".verdict")).to_contain_text("2019年第三季度数据已上报")
    expect(page.locator("table.calendar tr", has_text="2019年第三季度").locator("td.signoff")).to_contain_text("待审核")
    page.screenshot(path=portal_folder / "office-submitted.png", full_page=True)
    assert steps(portal_folder) == [("submit", "211402", "lianshan")]


def test_the_city_opens_the_quarter_and_returns_it_with_a_reason(page, accounts, portal_folder):
    log_in(page, "huludao")
    page.get_by_role("link", name="逐级审核").click()
    page.goto("/review?to=2019Q4")
    cell = page.locator("tr", has_text="连山区").locator("td.cell").nth(2)  # 2019Q1, Q2, Q3, Q4
    expect(cell).to_contain_text("待本级审核通过")
    expect(page.locator("tr", has_text="兴城市").locator("td.cell").nth(2)).to_contain_text("未上报")
    page.screenshot(path=portal_folder / "review-matrix.png", full_page=True)
    cell.get_by_role("link", name="待审核").click()
    expect(page.get_by_role("heading", name=re.compile("连山区 2019年第三季度"))).to_be_visible()
    # its values, each against the last quarter (none reported: 2019Q2 shows —)
    expect(page.locator("tr", has_text="专利授权量")).to_contain_text("500")
    page.screenshot(path=portal_folder / "review-region.png", full_page=True)
    page.get_by_label(re.compile("^理由")).fill("专利授权量高于往年水平，请核实后重报")
    page.get_by_role("button", name="退回").click()
    expect(page.locator(".verdict").first).to_contain_text("已办理 1 项")
    assert steps(portal_folder)[-1] == ("return", "211400", "huludao")
    # the office is told through the notify path `ipwatch web` was given (logged, IPWATCH_NOTIFY_BLOCK unset)
    assert "211402 2019Q3 数据被退回" in (portal_folder / "web.log").read_text()


def test_the_clerk_sees_the_reason_corrects_and_submits_again(page, accounts, portal_folder):
    log_in(page, "lianshan")
    page.goto("/regions/211402?to=2019Q4")
    cell = page.locator("table.calendar tr", has_text="2019年第三季度").locator("td.signoff")
    expect(cell).to_contain_text("已退回")
    expect(cell).to_contain_text("退回理由：专利授权量高于往年水平，请核实后重报")
    page.screenshot(path=portal_folder / "office-returned.png", full_page=True)
    corrected = [r.replace("patent_grants,500", "patent_grants,450") for r in LIANSHAN_2019Q3]
    upload_csv(page, portal_folder, "连山区 2019Q3 更正.csv", corrected)  # open again after the return
    page.goto("/regions/211402?to=2019Q4")
    page.get_by_role("button", name="上报2019年第三季度").click()
    expect(page.locator(".verdict")).to_contain_text("已上报")
    assert warehouse_rows(portal_folder, "select value from observations where region_code = '211402' and "
                          "period = '2019Q3' and indicator_code = 'patent_grants'") == [(450,)]


def test_the_city_approves_all_submitted_and_the_province_accepts(page, accounts, portal_folder):
    log_in(page, "huludao")
    page.goto("/review?to=2019Q4")
    page.get_by_role("button", name="全选待本级审核").click()
    page.get_by_role("button", name="审核通过所选").click()
    expect(page.locator(".verdict").first).to_contain_text("已办理 1 项")
    page.context.clear_cookies()
    log_in(page, "liaoning")
    page.goto("/review?to=2019Q4")
    cell = page.locator("tr", has_text="连山区").locator("td.cell").nth(2)
    expect(cell).to_contain_text("待本级审定")
    cell.get_by_role("checkbox").check()
    page.get_by_role("button", name="审定所选").click()
    expect(page.locator(".verdict").first).to_contain_text("已办理 1 项")
    page.goto("/review?to=2019Q4")
    expect(page.locator("tr", has_text="连山区").locator("td.cell").nth(2)).to_contain_text("已审定")
    page.screenshot(path=portal_folder / "review-accepted.png", full_page=True)
    assert [a for a, *_ in steps(portal_folder)] == ["submit", "return", "submit", "approve", "accept"]
    assert [o for _, o, _ in steps(portal_folder)] == ["211402", "211400", "211402", "211400", "210000"]


def test_the_bulletin_now_includes_the_county_and_says_it_is_accepted(accounts, portal_folder, tmp_path):
    """辽宁's 2019Q3 edition, sign-off governing that quarter: 连山区, accepted, is in it and counted 已审定; the
    other 99 counties, never submitted, are left out and marked."""
    from ipwatch.bulletins import bulletin

    with warehouse.connect(config.workspace(portal_folder / "home").warehouse) as conn:
        bulletin.render(conn, "2019Q3", tmp_path, region="210000")
    page_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (tmp_path / "2019Q3-liaoning-2017.html").read_text()))
    assert re.search(r"逐级审核：已审定1个、未上报\d+个（未审定地区的本期数据未纳入）", page_text)
    html = (tmp_path / "2019Q3-liaoning-2017.html").read_text("utf-8")
    row = lambda code: re.search(rf'<tr><td><a href="2019Q3-liaoning-2017/{code}.html">.*?</tr>', html, re.S)[0]  # noqa: E731
    assert "本期未纳入" not in row("211402") and "未上报，本期未纳入" in row("211302")  # 连山区 in, 双塔区 out
    assert "本期数据未纳入" not in (tmp_path / "2019Q3-liaoning-2017" / "211402.html").read_text("utf-8")
    assert "未上报，本期数据未纳入" in (tmp_path / "2019Q3-liaoning-2017" / "211302.html").read_text("utf-8")


def test_the_city_is_accepted_only_with_its_counties_signed_or_named(accounts, portal_folder):
    """葫芦岛市's own 2019Q3 (it reports no indicator itself, so it may submit): the province's 审定 is refused while
    five of its six counties are 未上报, naming them; with a reason it is accepted and the log names them."""
    city = signed_in(accounts, "huludao")
    reply = city.post("/regions/211400/signoff", data={"csrf": token(city, "/regions/211400"), "quarter": "2019Q3"})
    assert reply.status_code == 303
    province = signed_in(accounts, "liaoning")
    before = log_size(portal_folder)
    sent = {"csrf": token(province, "/review"), "item": "211400|2019Q3", "action": "accept"}
    refused = province.post("/review", data=sent).text
    assert "未能办理 1 项" in refused and "下辖5个地区本季度尚未经本级审核" in refused
    for county in ("211403", "211404", "211421", "211422", "211481"):
        assert f"（{county}，未上报）" in refused
    assert "211402，" not in refused  # 连山区 is accepted: signed above the city
    assert log_size(portal_folder) == before
    done = province.post("/review", data={**sent, "reason": "五县区本季度因机构改革未报，下季度补报"}).text
    assert "已办理 1 项" in done
    [(reason,)] = warehouse_rows(portal_folder, "select reason from approval_log where region_code = '211400' "
                                 "and action = 'accept'")
    assert reason.startswith("五县区本季度因机构改革未报") and "兴城市（211481，未上报）" in reason


def prepare_twenty(folder: Path) -> None:
    """20 counties' 2019Q3 loaded, submitted and approved by their cities, in the warehouse the portal serves."""
    ws = config.workspace(folder / "home")
    rows = [line.replace("211402", code, 1) for code in TWENTY for line in LIANSHAN_2019Q3]
    path = folder / "twenty.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", "utf-8")
    with warehouse.connect(ws.warehouse) as conn:
        [result] = pipeline.process(conn, ws, [pipeline.Incoming(path, "210000", name="twenty.csv")])
        assert result["status"] in ("accepted", "accepted_with_warnings"), result["errors"][:3]
        for code in TWENTY:
            approval.act(conn, "submit", code, "2019Q3", code, "clerk", reason="测试")
            approval.act(conn, "approve", code, "2019Q3", code[:4] + "00", "city", reason="测试")


def test_the_province_accepts_twenty_counties_in_one_action(accounts, portal_folder):
    prepare_twenty(portal_folder)
    province = signed_in(accounts, "liaoning")
    sent = {"csrf": token(province, "/review?to=2019Q4"), "action": "accept",
            "item": [f"{code}|2019Q3" for code in TWENTY]}
    started = time.perf_counter()
    reply = province.post("/review", data=sent)
    seconds = time.perf_counter() - started
    assert "已办理 20 项" in reply.text and "未能办理" not in reply.text
    (portal_folder / "twenty-seconds.txt").write_text(f"{seconds:.2f}\n")
    print(f"20 county-quarters accepted in one POST: {seconds:.2f} s")
    assert warehouse_rows(portal_folder, "select count(*) from approval_state where state = 'accepted' and "
                          "region_code in (select unnest($c))", c=TWENTY) == [(20,)]


def sweep_setup(folder: Path, url: str) -> None:
    """双塔区 (朝阳市's county) and 龙港区 (葫芦岛市's, 211403) submitted: steps await their cities."""
    ws = config.workspace(folder / "home")
    rows = [line.replace("211402", code, 1) for code in ("211302", "211403") for line in LIANSHAN_2019Q3]
    path = folder / "sweep.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", "utf-8")
    with warehouse.connect(ws.warehouse) as conn:
        pipeline.process(conn, ws, [pipeline.Incoming(path, "210000", name="sweep.csv")])
        for code in ("211302", "211403"):
            approval.act(conn, "submit", code, "2019Q3", code, "clerk", reason="测试")


ACTIONS = ("approve", "accept", "return", "unapprove")


def tries(client: httpx.Client, region: str, csrf: str) -> list[httpx.Response]:
    """Every step on `region`'s 2019Q3: each reviewer's action, and 上报."""
    answers = [client.post("/review", data={"csrf": csrf, "item": f"{region}|2019Q3", "action": action,
                                            "reason": "理由"}) for action in ACTIONS]
    answers.append(client.post(f"/regions/{region}/signoff", data={"csrf": csrf, "quarter": "2019Q3",
                                                                 "reason": "理由"}))
    return answers


def refused(answer: httpx.Response) -> bool:
    """A refusal: sent to log in, 403, 400, or a result page that did nothing."""
    if answer.status_code == 303:
        return answer.headers["location"] == "/login"
    return answer.status_code in (400, 403) or ("未能办理" in answer.text and "已办理" not in answer.text)


@pytest.mark.parametrize(("who", "region"), [
    ("lianshan", "211403"),   # a county acting on its neighbour
    ("lianshan", "211402"),   # a county reviewing itself (accepted already: nothing is its to do)
    ("chaoyang", "211403"),   # another city on 葫芦岛's county
    ("shuangta", "211403"),   # another city's county
    ("liaoning", "211403"),   # the province skipping the city (and submitting for a county)
    ("shen", "211403"),       # an auditor
    ("root", "211403"),       # an administrator
    ("huludao", "211302"),    # 葫芦岛 on 朝阳's county
])
def test_every_forbidden_step_is_refused_and_logs_nothing(accounts, portal_folder, who, region):
    if not warehouse_rows(portal_folder, "select count(*) from approval_log where region_code = '211403'")[0][0]:
        sweep_setup(portal_folder, accounts)
    client = signed_in(accounts, who)
    csrf = token(client, "/login")
    before = log_size(portal_folder)
    answers = tries(client, region, csrf)
    assert [refused(a) for a in answers] == [True] * 5, [(a.status_code, a.text[-300:]) for a in answers]
    assert log_size(portal_folder) == before


def test_a_replayed_csrf_token_or_an_ended_session_changes_nothing(accounts, portal_folder):
    """The city could return 龙港区's quarter; a token of its earlier session, a logged-out cookie and no cookie
    are each refused, and nothing is logged."""
    old = signed_in(accounts, "huludao")
    old_token = token(old, "/review")
    kept = old.cookies["ipwatch_session"]
    old.post("/logout", data={"csrf": old_token})
    fresh = signed_in(accounts, "huludao")
    before = log_size(portal_folder)
    replayed = tries(fresh, "211403", old_token)
    ended = httpx.Client(base_url=accounts, follow_redirects=False, timeout=120)
    ended.cookies.set("ipwatch_session", kept)
    anonymous = httpx.Client(base_url=accounts, follow_redirects=False, timeout=120)
    for answers in (replayed, tries(ended, "211403", old_token), tries(anonymous, "211403", old_token)):
        assert [refused(a) for a in answers] == [True] * 5
    assert log_size(portal_folder) == before
    # the same city with its own token may: the doors above were shut by the token and the session alone
    done = fresh.post("/review", data={"csrf": token(fresh, "/review"), "item": "211403|2019Q3",
                                       "action": "return", "reason": "请核实"})
    assert "已办理 1 项" in done.text and log_size(portal_folder) == before + 1
