"""Sign-off before publication (逐级审核, #29): chains from the registry, the legal steps and the refused ones, on a
real warehouse and through the command line."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import subprocess
import sys

import pytest

from ipwatch import approval, cli, warehouse
from ipwatch.domain import rules, signoff
from ipwatch.domain.signoff import Refused, State
from tests.conftest import clean_env, process, submit, write_csv

# 辽宁 2019 (its plan, 2017–2020, binds each county): 连山区 211402 under 葫芦岛市 211400 under 辽宁省 210000.
LIANSHAN = ["211402", "211400", "210000"]
# The quarterly indicators 连山区 must report (an annual one only in the fourth quarter), with plausible values.
LIANSHAN_2019Q3 = [f"211402,2019Q3,{code},{value},," for code, value in (
    ("hitech_ip_standard_share", 12), ("invention_patent_applications", 150), ("invention_patents_in_force", 300),
    ("invention_patents_per_10k", 4.1), ("ip_conversion_trading_platforms", 2), ("ip_fulltime_staff", 40),
    ("ip_public_service_institutions", 3), ("ip_staff_per_unit", 2), ("large_medium_industrial_ip_office_share", 60),
    ("patent_applications", 900), ("patent_grants", 500), ("pct_applications", 4),
    ("provincial_ip_advantage_enterprises", 6), ("tech_enterprise_patent_coverage", 70))]


@pytest.fixture
def registry(conn):
    return lambda quarter: approval.registry(conn, quarter)


@pytest.mark.parametrize(("region", "quarter", "expected"), [
    ("211402", "2019Q3", LIANSHAN),                 # a county of a provincial plan: county, city, province
    ("211400", "2019Q3", ["211400", "210000"]),     # a city of it: the province accepts
    ("210000", "2019Q3", ["210000", "210000"]),     # the top's own values: it submits and accepts
    ("441502", "2020Q4", ["441502", "441500"]),     # a county of 汕尾's city plan: the city accepts
    ("500116", "2026Q3", ["500116", "500000"]),     # 江津's county plan: its parent, 重庆市, accepts
    ("211402", "2026Q3", LIANSHAN),                 # no plan in force: up to the province
    ("110101", "2026Q3", ["110101", "110000"]),     # 东城区, under 北京市 directly
])
def test_each_region_s_chain_comes_from_the_registry_and_its_plans(registry, region, quarter, expected):
    assert approval.chain(registry(quarter), region, quarter) == expected


def test_a_region_that_did_not_exist_that_day_has_no_chain(registry):
    with pytest.raises(Refused, match="2015年第四季度时不存在行政区划代码 370215"):  # 即墨区, set up in 2017
        approval.chain(registry("2015Q4"), "370215", "2015Q4")


def test_every_sequence_of_steps_keeps_the_chain_in_order():
    """Random steps by random offices on a three-level chain: each accepted step moves the signature by one level
    (up on approve/accept, down by one on unapprove, to the start on return), so an accepted quarter has had every
    level sign in order; an office outside the chain, or the submitter reviewing, is always refused."""
    chain = LIANSHAN
    offices = [*chain, "211300"]  # 朝阳市: another city
    moves = list(itertools.product(signoff.ACTIONS, offices))
    for seed in range(300):
        rnd, now, signed = random.Random(seed), State(), []
        for _ in range(12):
            action, office = rnd.choice(moves)
            try:
                after = signoff.step(now, chain, action, office)
            except Refused:
                continue
            assert office in chain
            assert action == "submit" or office != chain[0]
            if action in ("approve", "accept"):
                assert after.step == now.step + 1 and chain[after.step] == office
                signed.append(office)
            elif action == "unapprove":
                assert after.step == now.step - 1 and signed.pop() == office
            elif action == "return":
                assert after == State("returned", -1)
                signed = []
            else:
                assert after == State("submitted", 0)
                signed = [office]
            if after.state == "accepted":
                assert signed == chain
            now = after


@pytest.mark.parametrize(("steps", "action", "office", "refusal"), [
    ([], "approve", "211400", "尚未上报"),                                      # approving what was never submitted
    ([("submit", "211402")], "approve", "211402", "不能审核通过本级上报的数据"),   # a county approving itself
    ([("submit", "211402")], "approve", "211300", "不在211402的审核链"),         # another city
    ([("submit", "211402")], "accept", "210000", "现在不能审定"),               # skipping the city
    ([("submit", "211402")], "submit", "211402", "已待审核，不能再次上报"),
    ([("submit", "211402"), ("approve", "211400"), ("accept", "210000")], "unapprove", "211400", "上级已审核"),
    ([("submit", "211402")], "accept", "211400", "不是审定单位，请用“审核通过”"),
])
def test_illegal_steps_are_refused_in_one_line(steps, action, office, refusal):
    now = State()
    for done, by in steps:
        now = signoff.step(now, LIANSHAN, done, by)
    with pytest.raises(Refused, match=refusal) as refused:
        signoff.step(now, LIANSHAN, action, office)
    assert "\n" not in str(refused.value)


def logged(conn) -> list[tuple]:
    return conn.execute("select action, office_code, state, step from approval_log order by log_id").fetchall()


def test_a_quarter_goes_up_its_chain_and_back_on_a_return(conn, ws, catalogue, tmp_path):
    assert submit(conn, ws, catalogue, write_csv(tmp_path / "q3.csv", LIANSHAN_2019Q3), "211402").startswith("accepted")
    act = lambda action, office, **kw: approval.act(conn, action, "211402", "2019Q3", office, "张三", **kw)  # noqa: E731
    act("submit", "211402")
    act("return", "211400", reason="专利授权量高于申请量的一半以上，请核实")
    with pytest.raises(Refused, match="退回须说明理由"):
        act("return", "211400", reason="  ")
    act("submit", "211402")
    act("approve", "211400")
    row = act("accept", "210000")
    assert logged(conn) == [("submit", "211402", "submitted", 0), ("return", "211400", "returned", -1),
                            ("submit", "211402", "submitted", 0), ("approve", "211400", "approved", 1),
                            ("accept", "210000", "accepted", 2)]
    assert row["chain"] == LIANSHAN and row["level"] == "province" and len(row["data_version"]) == 32
    [state] = approval.status(conn, ["211402"], "2019Q3").to_dicts()
    assert (state["state"], state["office_code"], state["acted_by"]) == ("accepted", "210000", "张三")


def test_a_submission_needs_every_required_indicator(conn, ws, catalogue, tmp_path):
    """连山区 must report 14 quarterly indicators in 2019Q3: with 13 it cannot submit, and nothing is logged."""
    submit(conn, ws, catalogue, write_csv(tmp_path / "q3.csv", LIANSHAN_2019Q3[1:]), "211402")
    missing = "高新技术企业贯彻《企业知识产权管理规范》比例"
    with pytest.raises(Refused, match=f"尚有1项必报指标未报送（{missing}），不能上报"):
        approval.act(conn, "submit", "211402", "2019Q3", "211402", "张三")
    assert logged(conn) == []


def test_an_office_s_calendar_reads_each_quarter_s_readiness_at_once(conn, ws, catalogue, tmp_path):
    """连山区 reports all of 2019Q3 and all but one indicator of 2019Q2. Read for four quarters at once (the
    office's calendar does), each is its own: nothing missing in Q3, the one in Q2, all 17 in Q4 (its 14
    quarterly and 3 annual ones, asked in the fourth quarter only), none in 2026Q3 (no plan in force then); a
    quarter with no values has the version of nothing, and the step on Q3 covers the version read here."""
    q2 = [row.replace("2019Q3", "2019Q2") for row in LIANSHAN_2019Q3[1:]]
    submit(conn, ws, catalogue, write_csv(tmp_path / "q2.csv", q2), "211402")
    submit(conn, ws, catalogue, write_csv(tmp_path / "q3.csv", LIANSHAN_2019Q3), "211402")
    ready = approval.readiness_each(conn, "211402", ["2019Q2", "2019Q3", "2019Q4", "2026Q3"])
    assert list(ready) == ["2019Q2", "2019Q3", "2019Q4", "2026Q3"]
    assert [ready[q]["missing"] for q in ("2019Q2", "2019Q3", "2026Q3")] == [
        ["高新技术企业贯彻《企业知识产权管理规范》比例"], None, None]
    assert len(ready["2019Q4"]["missing"]) == 17 and "常住人口" in ready["2019Q4"]["missing"]
    assert [ready[q]["open_findings"] for q in ready] == [0, 0, 0, 0]
    nothing = hashlib.md5(b"").hexdigest()
    assert ready["2019Q4"]["data_version"] == ready["2026Q3"]["data_version"] == nothing
    assert nothing != ready["2019Q2"]["data_version"] != ready["2019Q3"]["data_version"] != nothing
    assert approval.act(conn, "submit", "211402", "2019Q3", "211402", "张三")["data_version"] == ready["2019Q3"][
        "data_version"]


def test_open_findings_stop_a_submission_unless_a_reason_overrides_them(conn, ws, catalogue, tmp_path):
    """城区's applications fall from 200 to 20 in a quarter: a warning the auditor has not decided."""
    rows = ["441502,2020Q2,invention_patent_applications,200,,", "441502,2020Q3,invention_patent_applications,20,,"]
    submit(conn, ws, catalogue, write_csv(tmp_path / "a.csv", rows), "441502")
    (open_findings,) = conn.execute("select count(*) from values_under_audit where region_code = '441502' "
                                    "and period = '2020Q3'").fetchone()
    assert open_findings >= 1
    with pytest.raises(Refused, match=f"本季度数据有{open_findings}项待审核问题未结"):
        approval.act(conn, "submit", "441502", "2020Q3", "441502", "李四")
    row = approval.act(conn, "submit", "441502", "2020Q3", "441502", "李四", reason="一家企业迁出，数据属实")
    assert (row["overridden"], row["reason"]) == (open_findings, "一家企业迁出，数据属实")


def test_the_command_line_acts_refuses_and_lists(ws, conn, catalogue, tmp_path, capsys):
    submit(conn, ws, catalogue, write_csv(tmp_path / "a.csv", ["441502,2020Q3,invention_patent_applications,20,,"]),
           "441502")
    conn.close()
    home = ["--home", str(ws.home)]
    assert cli.main([*home, "approval", "accept", "441502", "2020Q3", "--as", "441500"]) == 2
    assert "此季度尚未上报，441500现在不能审定" in capsys.readouterr().err
    assert cli.main([*home, "approval", "submit", "441502", "2020年第三季度", "--as", "441502", "--by", "李四"]) == 0
    assert cli.main([*home, "approval", "status", "--quarter", "2020Q3", "--region", "441500", "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("["):])
    states = {r["region_code"]: (r["state"], r["level"]) for r in rows}
    # every county 汕尾's plan binds is listed for the quarter, 未上报 where nothing was done
    assert states == {"441500": ("not_submitted", "prefecture"), "441502": ("submitted", "county"),
                      "441521": ("not_submitted", "county"), "441523": ("not_submitted", "county"),
                      "441581": ("not_submitted", "county")}
    assert {"region_code", "quarter", "level", "state", "acted_by", "acted_at", "reason"} <= rows[0].keys()


def test_two_reviewers_at_once_one_wins_and_the_other_is_told(ws, catalogue, tmp_path):
    """Two processes accept and return the same quarter at the same moment: one step is logged, the other is
    refused with the state it found."""
    with warehouse.connect(ws.warehouse) as conn:  # let go before the processes start: they wait for their turn
        submit(conn, ws, catalogue, write_csv(tmp_path / "a.csv", ["441502,2020Q3,invention_patent_applications,20,,"]),
               "441502")
        approval.act(conn, "submit", "441502", "2020Q3", "441502", "李四")
    env = {**clean_env(tmp_path), "IPWATCH_HOME": str(ws.home)}
    commands = [["accept", "441502", "2020Q3", "--as", "441500"],
                ["return", "441502", "2020Q3", "--as", "441500", "--reason", "请核实"]]
    runs = [subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "approval", *c], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands]
    done = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    assert sorted(code for code, _ in done) == [0, 2], done
    refused = next(err for code, err in done if code == 2)
    assert "现在不能" in refused and "Traceback" not in refused
    with warehouse.connect(ws.warehouse) as again:
        assert [a for a, *_ in logged(again)] in (["submit", "accept"], ["submit", "return"])


def test_unapproved_after_the_level_above_accepted_is_refused_and_logs_nothing(conn, ws, catalogue, tmp_path):
    assert submit(conn, ws, catalogue, write_csv(tmp_path / "q3.csv", LIANSHAN_2019Q3), "211402").startswith("accepted")
    for action, office in (("submit", "211402"), ("approve", "211400"), ("accept", "210000")):
        approval.act(conn, action, "211402", "2019Q3", office, "王五")
    before = logged(conn)
    with pytest.raises(Refused, match="上级已审核"):
        approval.act(conn, "unapprove", "211402", "2019Q3", "211400", "王五", reason="误操作")
    approval.act(conn, "unapprove", "211402", "2019Q3", "210000", "王五", reason="发现笔误")
    assert logged(conn) == [*before, ("unapprove", "210000", "approved", 1)]


def test_a_quarter_in_sign_off_refuses_uploads_until_it_is_returned(conn, ws, catalogue, tmp_path):
    """Submitted, 城区's 2020Q3 refuses a new file (kept in quarantine, the receipt says to ask for a return); once
    the city returns it, the same file is accepted and its value supersedes."""
    first = write_csv(tmp_path / "a.csv", ["441502,2020Q3,invention_patent_applications,20,,"])
    assert submit(conn, ws, catalogue, first, "441502").startswith("accepted")
    approval.act(conn, "submit", "441502", "2020Q3", "441502", "李四")
    again = write_csv(tmp_path / "b.csv", ["441502,2020Q3,invention_patent_applications,25,,"])
    [outcome] = process(conn, ws, catalogue, [(again, "441502")])
    assert outcome["status"] == "rejected"
    [error] = outcome["errors"]
    assert (error["rule"], error["line"]) == ("quarter_not_locked", 2)
    assert "请联系审核单位退回后" in error["fix"] and "城区（441502）2020年第三季度的数据已上报审核" in error["fix"]
    assert list(ws.quarantine.glob("*b.csv"))
    value = "select value from observations where region_code = '441502' and period = '2020Q3'"
    assert conn.sql(value).fetchone() == (20,)
    approval.act(conn, "return", "441502", "2020Q3", "441500", "王五", reason="请核实申请量")
    resent = write_csv(tmp_path / "c.csv", ["441502,2020Q3,invention_patent_applications,25,,"])  # b.csv's bytes
    assert submit(conn, ws, catalogue, resent, "441502").startswith("accepted")
    assert conn.sql(value).fetchone() == (25,)


def test_every_rule_that_reads_the_moment_lets_the_same_file_be_judged_again():
    """A rule whose finding depends on when the file is sent (the date, or the quarter's sign-off), not on the
    file, is marked so: a rejection it made never turns the same bytes sent later into a duplicate."""
    moment = ("current_date", "current_timestamp", "now()", "approval_state")
    reads = {rule.code for rule in rules.default() if any(w in (rule.query or "") for w in moment)}
    assert reads == {"period_not_future", "quarter_not_locked"}
    assert set(rules.of_the_moment()) == reads


def test_a_city_is_accepted_only_with_its_counties_signed_or_named(conn, ws, catalogue, tmp_path):
    """葫芦岛市 (211400) 2019Q3: its plan binds six counties (211402, 211403, 211404, 211421, 211422, 211481). 连山区
    is approved by the city; the other five never reported. The province's 审定 of the city is refused naming
    those five, each 未上报, and logs nothing; with a reason it is taken and the log names them."""
    assert submit(conn, ws, catalogue, write_csv(tmp_path / "q3.csv", LIANSHAN_2019Q3), "211402").startswith("accepted")
    approval.act(conn, "submit", "211402", "2019Q3", "211402", "张三")
    approval.act(conn, "approve", "211402", "2019Q3", "211400", "李四")
    approval.act(conn, "submit", "211400", "2019Q3", "211400", "李四")
    before = logged(conn)
    with pytest.raises(Refused, match="下辖5个地区本季度尚未经本级审核") as refused:
        approval.act(conn, "accept", "211400", "2019Q3", "210000", "王五")
    named = re.findall(r"（(\d{6})，未上报）", str(refused.value))
    assert named == ["211403", "211404", "211421", "211422", "211481"]
    assert logged(conn) == before
    row = approval.act(conn, "accept", "211400", "2019Q3", "210000", "王五", reason="五县区因机构调整未报")
    assert row["reason"].startswith("五县区因机构调整未报（未经本级审核的下辖地区：")
    assert re.findall(r"（(\d{6})，未上报）", row["reason"]) == named


def test_the_command_line_refuses_a_city_whose_counties_are_unsigned(ws, conn, tmp_path, capsys):
    """The same check, one place: `ipwatch approval accept` of 葫芦岛市 with none of its counties reported."""
    approval.act(conn, "submit", "211400", "2019Q3", "211400", "李四")
    conn.close()
    assert cli.main(["--home", str(ws.home), "approval", "accept", "211400", "2019Q3", "--as", "210000"]) == 2
    err = capsys.readouterr().err
    assert "下辖6个地区本季度尚未经本级审核" in err and "连山区（211402，未上报）" in err and "Traceback" not in err


def test_the_regions_a_city_has_not_signed_are_exactly_those_below_its_level(conn, ws, catalogue, tmp_path):
    """汕尾's four counties (each reports one indicator in 2020Q3), moved by random steps of their chain (county →
    汕尾市, which accepts): after each step the regions 汕尾市 has not signed are exactly the counties the model
    says are not accepted, in the state the model says."""
    counties = ["441502", "441521", "441523", "441581"]
    rows = [f"{c},2020Q3,invention_patent_applications,{100 + i},," for i, c in enumerate(counties)]
    assert submit(conn, ws, catalogue, write_csv(tmp_path / "sw.csv", rows), "441500").startswith("accepted")
    moves = [("submit", None), ("accept", None), ("return", "请核实"), ("unapprove", "误操作")]
    for seed in range(6):
        rnd = random.Random(seed)
        model = {c: approval.state_of(conn, c, "2020Q3").state for c in counties}
        for _ in range(8):
            county, (action, reason) = rnd.choice(counties), rnd.choice(moves)
            office = county if action == "submit" else "441500"
            try:
                approval.act(conn, action, county, "2020Q3", office, "赵六", reason=reason)
            except Refused:
                continue
            model[county] = {"submit": "submitted", "accept": "accepted", "return": "returned",
                             "unapprove": "submitted"}[action]
            unsigned = approval.unsigned_below(conn, approval.registry(conn, "2020Q3"), "441500", "2020Q3")
            assert {r["region_code"]: r["state"] for r in unsigned} == {
                c: s for c, s in model.items() if s != "accepted"}


def test_an_override_shows_in_the_auditors_report(conn, ws, catalogue, tmp_path):
    """城区 submits 2020Q3 over its open finding with a reason: the auditor's report lists the step, how many it took
    over and why (an auditor of 汕尾 sees it; one of 合肥 does not)."""
    from ipwatch import audit

    rows = ["441502,2020Q2,invention_patent_applications,200,,", "441502,2020Q3,invention_patent_applications,20,,"]
    submit(conn, ws, catalogue, write_csv(tmp_path / "a.csv", rows), "441502")
    row = approval.act(conn, "submit", "441502", "2020Q3", "441502", "李四", reason="一家企业迁出，数据属实")
    [shown] = audit.report_context(conn, scope="441500")["overrides"]
    assert (shown["region_code"], shown["overridden"], shown["reason"]) == ("441502", row["overridden"],
                                                                            "一家企业迁出，数据属实")
    assert audit.report_context(conn, scope="340100")["overrides"] == []
    html = audit.report_html(conn)
    assert "逐级审核中带问题通过" in html and "一家企业迁出，数据属实" in html and "城区（441502）" in html
