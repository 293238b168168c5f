"""An auditor's decision reaches the office that sent the value (#27, item 2): its page, the file's receipt and
its reporting calendar say which value, what was decided, the auditor's words and what to do next, and the office
is notified; a quarter asked to correct is 待更正 until a correction arrives. On the application itself (Starlette's
TestClient, a real warehouse); in Chromium against a real `ipwatch web` in tests/test_web_browser.py."""

from __future__ import annotations

import logging
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from ipwatch import cli, warehouse
from ipwatch.domain import labels
from ipwatch.ops import notify
from ipwatch.portal import users, views, web

from . import test_web
from .test_web import PASSWORD, TestClient, judged_at_once, signed_in, token, upload  # noqa: F401 - autouse

home = test_web.home  # the workspace with Hefei's and Liaoning's offices, an auditor and an administrator

# One value reported as not available (a warning, value_missing, at line 2) and, later, its correction.
MISSING = "region_code,period,indicator_code,value,unit,status\n340100,2025Q3,patent_attorneys,,人,缺失\n".encode()
CORRECTED = "region_code,period,indicator_code,value,unit,status\n340100,2025Q3,patent_attorneys,800,人,\n".encode()
REASON = "据市知识产权局年报，专利代理师应为800人左右，请核实后更正"


def finding_of(home, rule: str = "value_missing") -> int:
    with warehouse.connect(home.warehouse, read_only=True) as conn:
        return conn.execute("select finding_id from findings where rule = ?", [rule]).fetchone()[0]


def decide(home, finding_id: int, decision: str, reason: str = REASON) -> None:
    """An auditor of the portal decides, as on `ipwatch web`: with notify.tell_decisions handed in."""
    auditor = TestClient(web.app(home, notice=notify.tell_decisions), follow_redirects=False)
    reply = auditor.post("/login", data={"user_name": "shen", "password": PASSWORD, "csrf": token(auditor)})
    assert reply.status_code == 303
    reply = auditor.post(f"/audit/findings/{finding_id}/decision",
                         data={"csrf": token(auditor, "/audit"), "decision": decision, "reason": reason})
    assert reply.status_code == 303, reply.text


def notices(caplog) -> list[str]:
    """The notices sent (logged, with no block configured) through ipwatch/ops/notify.py."""
    return [r.getMessage() for r in caplog.records if r.name == "ipwatch.ops.notify"]


def calendar_state(page: str, label: str) -> str:
    """The state cell of a quarter's row in the office's calendar."""
    row = re.search(rf"<td>{label}</td>\s*<td>[^<]*</td>\s*<td class=\"status\">([^<]*)</td>", page)
    assert row, page
    return row.group(1)


def test_a_correction_asked_for_shows_on_the_office_page_receipt_and_calendar_until_it_arrives(home):
    office = signed_in(home, "hefei")
    receipt = upload(office, "340100", MISSING, name="三季度.csv")
    assert "提示将由审核员核实" in receipt.text
    submission = int(re.search(r"/submissions/(\d+)$", str(receipt.url)).group(1))
    decide(home, finding_of(home), "correct-requested")

    page = office.get("/regions/340100").text
    assert calendar_state(page, "2025年第三季度") == "待更正（1 项）"
    section = page[page.index('id="decisions"'):page.index("上传报表")]
    for said in ("2025年第三季度", "合肥市", "专利代理师数量", "更正", REASON, "请更正后重新报送", "三季度.csv"):
        assert said in section, said
    receipt = office.get(f"/regions/340100/submissions/{submission}").text
    assert "提示将由审核员核实" not in receipt  # the promise kept: the auditor has looked
    assert "其中 1 处要求更正，请更正后重新报送" in receipt
    assert REASON in receipt and "专利代理师数量" in receipt and "请更正后重新报送" in receipt

    upload(office, "340100", CORRECTED, name="三季度更正.csv")
    page = office.get("/regions/340100").text
    assert calendar_state(page, "2025年第三季度") in ("已按时报送", "逾期报送")  # 待更正 no more
    assert labels.CORRECTION_RECEIVED in page and "请更正后重新报送" not in page


def test_a_district_sees_the_decision_on_its_value_that_came_in_its_city_s_file(home):
    """A city's file carries its districts' rows: a correction asked of a district's value makes the district's
    calendar 待更正, so the district's page must say which value and why (it said 审核员尚未…作出审核结论 beside
    待更正（2 项） in the tour of 2026-12-07), and the city still sees it on the file it sent."""
    upload(signed_in(home, "hefei"), "340100", MISSING.replace(b"340100,", b"340111,"), name="合肥三季度.csv")
    decide(home, finding_of(home), "correct-requested")
    with warehouse.connect(home.warehouse) as conn:
        users.add(conn, "baohe", "office", "340111", PASSWORD, "test")
    for name, region in (("baohe", "340111"), ("hefei", "340100")):
        page = signed_in(home, name).get(f"/regions/{region}").text
        section = page[page.index('id="decisions"'):page.index("上传报表")]
        for said in ("2025年第三季度", "合肥市包河区", "专利代理师数量", REASON, "请更正后重新报送", "合肥三季度.csv"):
            assert said in section, (name, said)
    assert calendar_state(signed_in(home, "baohe").get("/regions/340111").text, "2025年第三季度") == "待更正（1 项）"
    page = signed_in(home, "liaoning").get("/regions/210000").text
    assert REASON not in page
    with warehouse.connect(home.warehouse, read_only=True) as conn:  # each calendar's 待更正 is its listed decisions
        for region in ("340100", "340111", "210000"):
            awaited = Counter((d["period"]) for d in views.decisions(conn, region)
                              if d["awaiting_correction"] and d["region_code"] == region)
            assert {q["period"]: q["corrections_requested"] for q in views.calendar(conn, region)
                    if q["corrections_requested"]} == dict(awaited), region


@pytest.mark.parametrize(("decision", "next_step"), [("confirm", "已确认无误，无需处理"),
                                                      ("override", "已认可为正常数值，无需处理")])
def test_a_value_confirmed_or_accepted_tells_the_office_nothing_is_to_be_done(home, decision, next_step):
    office = signed_in(home, "hefei")
    upload(office, "340100", MISSING)
    decide(home, finding_of(home), decision, "与统计年报一致")
    page = office.get("/regions/340100").text
    assert next_step in page and "与统计年报一致" in page
    assert calendar_state(page, "2025年第三季度") != "待更正"


def test_another_office_never_sees_the_decisions_on_a_file_not_its_own(home):
    upload(signed_in(home, "hefei"), "340100", MISSING)
    decide(home, finding_of(home), "correct-requested")
    page = signed_in(home, "liaoning").get("/regions/210000").text
    assert REASON not in page and "专利代理师数量" not in page


def test_the_office_is_notified_of_a_decision_made_in_the_portal(home, caplog):
    upload(signed_in(home, "hefei"), "340100", MISSING, name="三季度.csv")
    with caplog.at_level(logging.WARNING, logger="ipwatch.ops.notify"):
        decide(home, finding_of(home), "correct-requested")
    [notice] = notices(caplog)
    subject, body = notice.split("\n", 1)
    assert "合肥市报送的数据有 1 项审核结论" in subject
    assert "2025年第三季度 合肥市 专利代理师数量" in body and "三季度.csv" in body
    assert f"更正。审核意见：{REASON}。请更正后重新报送" in body


def test_a_decision_at_the_terminal_notifies_the_office_through_the_notify_path(home, caplog):
    upload(signed_in(home, "hefei"), "340100", MISSING)
    with caplog.at_level(logging.WARNING, logger="ipwatch.ops.notify"):
        code = cli.main(["--home", str(home.home), "audit", "decide", str(finding_of(home)), "--decision", "更正",
                         "--reason", REASON, "--by", "张审核", "-v"])  # -v: the notice logged too
    assert code == 0
    [notice] = notices(caplog)
    assert "合肥市报送的数据有 1 项审核结论" in notice and REASON in notice


def test_decisions_on_many_findings_are_one_notice_per_office(home):
    upload(signed_in(home, "hefei"), "340100", MISSING)
    upload(signed_in(home, "liaoning"), "210000", MISSING.replace(b"340100", b"210000"))
    with warehouse.connect(home.warehouse) as conn:
        ids = [r[0] for r in conn.sql("select finding_id from findings where rule = 'value_missing'").fetchall()]
        for finding_id in ids:
            conn.execute("insert into audit_log values (?, ?, 'confirm', '核实', 'shen', now())",
                         [finding_id, finding_id])
        decided = warehouse.query(conn, "office_decisions", offices=None, submission_id=None,
                                  finding_ids=ids).to_dicts()
    messages = notify.decision_messages(decided)
    assert sorted(subject.split("报送")[0] for subject, _ in messages) == ["ipwatch：合肥市", "ipwatch：辽宁省"]
    assert all(body.count("\n- ") == 0 and body.startswith("- ") for _, body in messages)  # one line each


def test_a_quarter_is_awaiting_correction_only_while_a_requested_correction_is_open():
    today = date(2026, 12, 6)
    row = {"timeliness": "on_time", "due_date": date(2025, 10, 15), "corrections_requested": 0}
    assert views.state(row, today) == "on_time"
    assert views.state({**row, "corrections_requested": 2}, today) == "correction"
    assert views.state({**row, "timeliness": None, "corrections_requested": 1}, today) == "correction"


def test_receipts_of_new_uploads_read_at_once_fit_in_a_small_duckdb(home):
    """Deadline day: every office that uploaded reads its receipt the moment its batch is decided. A receipt's
    decisions, when no auditor has decided any of its findings yet, must cost little of DuckDB's memory whatever
    the warehouse holds: asked through office_decisions (every finding's audit state, each region's name) one took
    about 50 MB, forty at once spilled past the portal's 512MB and its pages waited seconds (2026-12-07). Here
    twenty threads read a new upload's decisions a hundred times in 64MB, and a decided one's still reads."""
    office = signed_in(home, "hefei")
    receipt = upload(office, "340100", MISSING)
    submission = int(re.search(r"/submissions/(\d+)$", str(receipt.url)).group(1))
    with warehouse.connect(home.warehouse) as conn:
        conn.execute("set memory_limit = '64MB'")

        def read(_: int) -> list[dict]:
            with warehouse.connect(home.warehouse) as cursor:
                return views.decisions(cursor, "340100", submission)

        with ThreadPoolExecutor(20) as pool:
            assert list(pool.map(read, range(100))) == [[]] * 100
    decide(home, finding_of(home), "correct-requested")
    with warehouse.connect(home.warehouse) as conn:
        [decided] = views.decisions(conn, "340100", submission)
    assert (decided["decision"], decided["region_name"]) == ("correct-requested", "合肥市")
