"""Publication follows sign-off (#29 item 4): of a quarter under sign-off an edition shows only what was accepted
(审定), says how its regions stand and marks those left out; an internal preview shows everything and says so on
every page; an edition pins what it was made from and is the same bytes later, after a return and a correction of
its quarter included. On 汕尾's plan (2016–2020): each county's 2019Q4 is 上报 by the county and 审定 by 汕尾市."""

from __future__ import annotations

import random
import re
import subprocess
from datetime import date, datetime

import pytest

from ipwatch import approval, warehouse
from ipwatch.bulletins import bulletin, invariants, pdf, publication
from ipwatch.domain import periods

from .conftest import BIN, clean_env, submit, write_csv

CITY, COUNTIES = "441500", ["441502", "441521", "441523", "441581"]  # 汕尾市: 城区, 海丰县, 陆河县, 陆丰市
# the one indicator each county must report in 2019Q4; its target (年均增长 20%) is judged on whole years: on 2019's
# total where that is published, else on 2018's
INDICATOR = "invention_patent_applications"
QUARTER, BEFORE = "2019Q4", "2018Q4"


def report(conn, ws, catalogue, tmp_path, region: str, quarter: str, value: float) -> None:
    name = f"{region}-{quarter}-{value}.csv"
    assert submit(conn, ws, catalogue, write_csv(tmp_path / name, [f"{region},{quarter},{INDICATOR},{value},件,"]),
                  region).startswith("accepted")


def sign(conn, region: str, *steps: tuple[str, str] | str, reason: str | None = None) -> None:
    """Steps on `region`'s 2019Q4: 'submit' by the county, 'accept' by the city, or (action, reason)."""
    for step in steps:
        action, why = step if isinstance(step, tuple) else (step, reason)
        office = region if action == "submit" else CITY
        approval.act(conn, action, region, QUARTER, office, "测试员", reason=why)


def published(conn, pin: publication.Pin) -> dict:
    """(region, period) -> value of the values an edition made from `pin` reads."""
    with publication.as_of(conn, pin):
        rows = conn.execute("select region_code, period, value from observations "
                            "where indicator_code = $i", {"i": INDICATOR}).fetchall()
    return {(r, p): float(v) for r, p, v in rows}


@pytest.mark.parametrize(("today", "quarter"), [
    (date(2026, 12, 6), "2026Q4"),   # 2026Q3 was due 2026-10-15
    (date(2026, 10, 15), "2026Q3"),  # its due day itself: still being reported
    (date(2026, 10, 16), "2026Q4"),
    (date(2027, 1, 10), "2026Q4"),   # ended, due 2027-01-15
    (date(2027, 1, 16), "2027Q1"),
])
def test_sign_off_begins_with_the_first_quarter_not_yet_due(today, quarter):
    assert periods.first_not_yet_due(today) == quarter


def test_a_new_warehouse_publishes_what_it_holds_and_signs_off_from_the_quarter_now_reported(conn):
    # the first quarter whose due date (the SQL macro every due date shown comes from) is today or later
    today = datetime.now().astimezone().date()
    first = next(q for q in periods.quarters("2020Q1", "2040Q4")
                 if conn.execute("select due_date($q)", {"q": q}).fetchone()[0] >= today)
    assert publication.signoff_start(conn) == first
    publication.begin_signoff(conn, QUARTER, "管理员")
    assert publication.signoff_start(conn) == QUARTER


def test_a_quarter_under_sign_off_is_published_only_once_accepted(conn, ws, catalogue, tmp_path):
    report(conn, ws, catalogue, tmp_path, "441502", BEFORE, 100)
    report(conn, ws, catalogue, tmp_path, "441502", QUARTER, 150)
    report(conn, ws, catalogue, tmp_path, "441521", QUARTER, 80)
    publication.begin_signoff(conn, QUARTER, "管理员")
    # before sign-off began values stand as reported; from it on, nothing not yet accepted
    assert published(conn, publication.now(conn)) == {("441502", BEFORE): 100}
    sign(conn, "441502", "submit")
    assert ("441502", QUARTER) not in published(conn, publication.now(conn))  # submitted is not accepted
    sign(conn, "441502", "accept")
    assert published(conn, publication.now(conn)) == {("441502", BEFORE): 100, ("441502", QUARTER): 150}
    # an internal preview shows every value
    assert published(conn, publication.preview(publication.now(conn))) == {
        ("441502", BEFORE): 100, ("441502", QUARTER): 150, ("441521", QUARTER): 80}
    # and the temporary tables are gone after the block: the warehouse reads as it is
    assert conn.execute("select count(*) from observations where indicator_code = $i",
                        {"i": INDICATOR}).fetchone()[0] == 3


def page_text(path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text("utf-8")))


def edition(conn, out, **kw) -> dict:
    """汕尾's 2019Q4 edition: each file written (page, annex, county pages) and its bytes."""
    bulletin.render(conn, QUARTER, out, region=CITY, **kw)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "index.html"}


def test_an_edition_says_how_its_regions_stand_and_is_the_same_after_a_return_and_a_correction(conn, ws, catalogue,
                                                                                               tmp_path):
    report(conn, ws, catalogue, tmp_path, "441502", BEFORE, 100)
    report(conn, ws, catalogue, tmp_path, "441502", QUARTER, 150)
    report(conn, ws, catalogue, tmp_path, "441521", QUARTER, 80)
    publication.begin_signoff(conn, QUARTER, "管理员")
    sign(conn, "441502", "submit", "accept")
    sign(conn, "441521", "submit")
    first = edition(conn, tmp_path / "a")
    page = page_text(tmp_path / "a" / "2019Q4-shanwei-2016.html")
    # five regions bind the plan's targets in 2019Q4 (汕尾市 and its four counties): 441502 accepted, 441521 in
    # review, 汕尾市 itself and the other two never submitted
    assert "逐级审核：已审定1个、待审核1个、未上报3个（未审定地区的本期数据未纳入）" in page
    assert "本期应审定地区5个，其中已审定1个、待审核1个、未上报3个" in page
    assert re.search(r"海丰县（441521） 待审核", page) and re.search(r"陆河县（441523） 未上报", page)
    assert "城区（441502） 已审定" not in page
    assert "内部预览稿" not in page
    # the county's own page says it too
    assert "待审核，本期数据未纳入" in page_text(tmp_path / "a" / "2019Q4-shanwei-2016" / "441521.html")

    # the city withdraws its acceptance and returns the quarter; the county corrects it and submits again
    sign(conn, "441502", ("unapprove", "数据有误，撤销审定"), ("return", "城区2019年申请量请核实"))
    report(conn, ws, catalogue, tmp_path, "441502", QUARTER, 160)
    sign(conn, "441502", "submit")
    again = edition(conn, tmp_path / "a")
    assert again == first  # every byte of every page and annex
    assert edition(conn, tmp_path / "b") == first  # wherever it is written

    # a reissue reads the warehouse as it is now: 城区 is back in review
    bulletin.render(conn, QUARTER, tmp_path / "c", region=CITY, pins=bulletin.pin_pages(conn, QUARTER, CITY, True))
    assert "已审定0个" not in page_text(tmp_path / "c" / "2019Q4-shanwei-2016.html")
    assert "待审核2个、未上报3个" in page_text(tmp_path / "c" / "2019Q4-shanwei-2016.html")
    # and the made-again edition keeps the newest pin from then on
    assert edition(conn, tmp_path / "d") != first


def test_an_internal_preview_shows_every_value_and_says_so_on_every_page(conn, ws, catalogue, tmp_path):
    report(conn, ws, catalogue, tmp_path, "441502", QUARTER, 150)
    publication.begin_signoff(conn, QUARTER, "管理员")
    paths = bulletin.render(conn, QUARTER, tmp_path / "p", region=CITY, include_unapproved=True, as_pdf=True)
    page = next(p for p in paths if p.suffix == ".html")
    assert "内部预览稿" in page_text(page) and "本稿为内部预览，含尚未审定的数据" in page_text(page)
    assert "内部预览稿" in page_text(tmp_path / "p" / "index.html")
    assert all("内部预览稿" in page_text(p) for p in (tmp_path / "p" / page.stem).glob("*.html"))
    sheets = pdf.text(page.with_suffix(".pdf")).split("\f")
    printed = [s for s in sheets if s.strip()]
    assert len(printed) > 1 and all("内部预览稿" in s for s in printed)
    # nothing was pinned: the published edition made next still shows only what is accepted
    assert conn.execute("select count(*) from edition_pins").fetchone()[0] == 0
    from openpyxl import load_workbook
    assert "内部预览稿" in load_workbook(page.with_suffix(".xlsx")).properties.title


def test_the_check_finds_a_value_of_a_region_not_yet_accepted(conn, ws, catalogue, tmp_path):
    """The invariant behind the page: a target judged on a withheld region's value of the quarter is a breach."""
    for quarter, value in (("2015Q4", 30), (BEFORE, 100), (QUARTER, 150)):
        report(conn, ws, catalogue, tmp_path, "441502", quarter, value)
    publication.begin_signoff(conn, QUARTER, "管理员")
    pin = publication.preview(publication.now(conn))  # every value, as a broken filter would read them
    with publication.as_of(conn, pin), warehouse.snapshot(conn, "progress", period=[BEFORE, QUARTER]):
        draft = bulletin.draft_plan(conn, "shanwei-2016", bulletin.editions.parse(QUARTER), tmp_path,
                                    warehouse.data_version(conn), pin)
    assert not [b for b in draft.breaches if b.section == "逐级审核"]
    draft.context["signoff"] = {**draft.context["signoff"], "withheld": {"441502": "未上报"}}
    draft.context["preview"] = False
    found = invariants.only_signed_off(invariants.Published(draft.context, draft.html))
    messages = [str(b) for b in found]
    assert any("正式通报注明了“内部预览稿”" in m for m in messages)
    assert any("城区" in m and "未上报，本期数值不应纳入通报" in m for m in messages)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_mix_of_states_publishes_exactly_the_accepted_counties(conn, ws, catalogue, tmp_path, seed):
    """Generated: the four counties in the states a quarter can be in (reported or not; submitted, accepted or
    returned), in a random order: the edition judges a county on its 2019 total exactly when that was accepted (else
    on 2018's), leaves out and marks the others and the city, and passes its own checks."""
    rnd = random.Random(seed)
    for county in COUNTIES:
        report(conn, ws, catalogue, tmp_path, county, "2015Q4", rnd.randint(20, 40))
        report(conn, ws, catalogue, tmp_path, county, BEFORE, rnd.randint(60, 80))
    publication.begin_signoff(conn, QUARTER, "管理员")
    states = dict(zip(COUNTIES, rnd.sample(["none", "submitted", "accepted", "returned"], 4), strict=True))
    for county, state in states.items():
        if state != "none":
            report(conn, ws, catalogue, tmp_path, county, QUARTER, rnd.randint(90, 120))
        sign(conn, county, *{"submitted": ["submit"], "accepted": ["submit", "accept"],
                             "returned": ["submit", ("return", "请核实")]}.get(state, []))
    pin = publication.now(conn)
    with publication.as_of(conn, pin), warehouse.snapshot(conn, "progress", period=[BEFORE, QUARTER]):
        draft = bulletin.draft_plan(conn, "shanwei-2016", bulletin.editions.parse(QUARTER), tmp_path,
                                    warehouse.data_version(conn), pin)
    assert draft.breaches == []
    judged = {t["region_code"]: t["actual_period"] for t in invariants.rows(draft.context)
              if t["indicator_code"] == INDICATOR}
    assert judged == {c: QUARTER if s == "accepted" else BEFORE for c, s in states.items()}
    signoff = draft.context["signoff"]
    assert set(signoff["withheld"]) == {c for c, s in states.items() if s != "accepted"} | {CITY}
    assert signoff["counts"] == {"accepted": 1, "in_review": 1, "returned": 1, "not_submitted": 2}


def test_begin_and_the_preview_from_the_command_line(ws, tmp_path):
    env = clean_env(tmp_path)
    run = lambda *a: subprocess.run([str(BIN / "ipwatch"), "--home", str(ws.home), *a], env=env,  # noqa: E731
                                    capture_output=True, text=True)
    said = run("approval", "begin", QUARTER, "--by", "管理员")
    assert said.returncode == 0 and "自2019年第四季度（2019Q4）起" in said.stdout
    assert QUARTER in run("approval", "begin").stdout
    made = run("bulletin", "--period", QUARTER, "--region", CITY, "--include-unapproved")
    assert made.returncode == 0, made.stderr
    assert (ws.home / "bulletins" / "preview" / "2019Q4-shanwei-2016.html").exists()
    assert not (ws.home / "bulletins" / "2019Q4-shanwei-2016.html").exists()


def logged_step(conn, log_id: int, region: str, action: str, office: str, state: str, step: int, at: str) -> None:
    """A step as approval.act records it (sql/writes/record_approval.sql), at a moment of the test's choosing."""
    conn.execute(warehouse.sql("record_approval"), {
        "log_id": log_id, "region_code": region, "quarter": QUARTER, "action": action, "office_code": office,
        "level": "county" if office != CITY else "prefecture", "acted_by": "测试员", "role": "office",
        "reason": "请核实" if action == "return" else None,
        "overridden": 0, "data_version": "-", "state": state, "step": step, "chain": [region, CITY],
        "acted_at": datetime.fromisoformat(at)})


def test_each_reviewing_office_is_judged_against_its_own_deadline(conn):
    # 2019Q4 is due 2020-01-15 (due_day 15); a city signs within 10 days: by 2020-01-25
    steps = [("441502", "submit", "441502", "submitted", 0, "2020-01-14 09:00"),
             ("441502", "accept", CITY, "accepted", 1, "2020-01-25 17:00"),    # on its deadline's day: on time
             ("441521", "submit", "441521", "submitted", 0, "2020-01-15 09:00"),
             ("441521", "accept", CITY, "accepted", 1, "2020-01-26 08:00"),    # a day after: late
             ("441523", "submit", "441523", "submitted", 0, "2020-01-15 10:00"),  # waiting for the city
             ("441581", "submit", "441581", "submitted", 0, "2020-01-15 11:00"),
             ("441581", "return", CITY, "returned", -1, "2020-01-20 11:00")]   # back with the county
    for n, step in enumerate(steps, start=1):
        logged_step(conn, n, *step)
    timeliness = lambda today: warehouse.query(conn, "signoff_timeliness", quarter=QUARTER,  # noqa: E731
                                               regions=None, today=date.fromisoformat(today)).to_dicts()
    [before] = timeliness("2020-01-25")
    assert before["due_date"] == date(2020, 1, 25)
    assert (before["on_time"], before["late"], before["overdue"], before["pending"]) == (1, 1, 0, 2)
    [after] = timeliness("2020-01-26")  # 陆河县 still waits for the city: now overdue; 陆丰市 is the county's turn
    assert (after["on_time"], after["late"], after["overdue"], after["pending"]) == (1, 1, 1, 1)
    assert after["late_regions"] == ["汕尾市海丰县", "汕尾市陆河县"]


def test_the_reviewer_page_marks_a_quarter_waiting_past_the_office_s_deadline(conn):
    from ipwatch.portal import review

    logged_step(conn, 1, "441523", "submit", "441523", "submitted", 0, "2020-01-15 10:00")
    assert review.deadlines(conn, CITY, [QUARTER]) == {QUARTER: date(2020, 1, 25)}
    cells = lambda today: {r["region_code"]: r["cells"][QUARTER]  # noqa: E731
                           for r in review.matrix(conn, CITY, [QUARTER], today=date.fromisoformat(today))}
    assert cells("2020-01-25")["441523"]["overdue"] is False
    assert cells("2020-01-26")["441523"]["overdue"] is True
    assert cells("2020-01-26")["441502"]["overdue"] is False  # never submitted: not the city's turn
