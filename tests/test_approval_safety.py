"""Sign-off under stress (#29 items 2 and 8): two reviewers acting on one region's quarter at once on DuckLake over
PostgreSQL (the embedded file's case is in test_approval.py), and a process killed (-9) in the middle of its steps:
each step is logged whole or not at all."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

from ipwatch import approval, warehouse
from ipwatch.domain.signoff import Refused

from .conftest import clean_env, submit, write_csv

COUNTIES = ["441502", "441521", "441523", "441581"]  # 汕尾's counties: each 上报s its quarter, 汕尾市 审定s it
QUARTERS = [f"{year}Q{q}" for year in range(2016, 2021) for q in range(1, 5)]


def one_file(tmp_path, quarters: list[str]):
    """汕尾市's file with each county's invention patent applications, a year to date that grows."""
    lines = [f"{county},{quarter},invention_patent_applications,{10 * int(quarter[-1])},,"
             for county in COUNTIES for quarter in quarters]
    return write_csv(tmp_path / "shanwei.csv", lines)


def test_two_reviewers_at_once_on_the_lake_one_wins_and_the_other_is_told(lake_ws, catalogue, tmp_path):
    quarters = QUARTERS[:4]
    with warehouse.connect(lake_ws.warehouse) as conn:
        assert submit(conn, lake_ws, catalogue, one_file(tmp_path, quarters), "441500").startswith("accepted")
        for quarter in quarters:
            approval.act(conn, "submit", "441502", quarter, "441502", "李四", reason="测试")
    for quarter in quarters:  # each quarter: the city's two reviewers, one accepting, one returning, released together
        start, outcomes = threading.Barrier(2), {}

        def review(action: str, quarter: str = quarter, start: threading.Barrier = start,
                   outcomes: dict = outcomes) -> None:
            with warehouse.connect(lake_ws.warehouse) as mine:
                start.wait()
                try:
                    outcomes[action] = approval.act(mine, action, "441502", quarter, "441500", action,
                                                    reason="请核实")["state"]
                except Refused as refused:
                    outcomes[action] = str(refused)

        reviewers = [threading.Thread(target=review, args=(a,)) for a in ("accept", "return")]
        for reviewer in reviewers:
            reviewer.start()
        for reviewer in reviewers:
            reviewer.join(timeout=300)
        won = [a for a, said in outcomes.items() if said in ("accepted", "returned")]
        assert len(won) == 1, outcomes  # exactly one step taken; the other told why, in one line
        lost = outcomes["return" if won == ["accept"] else "accept"]
        assert "现在不能" in lost and "\n" not in lost
        with warehouse.connect(lake_ws.warehouse, read_only=True) as conn:
            steps = conn.execute("select action from approval_log where quarter = $q order by log_id",
                                 {"q": quarter}).fetchall()
            assert [a for (a,) in steps] == ["submit", won[0]]


STEPS = f"""
import sys
from ipwatch import approval, config, warehouse
ws = config.workspace(sys.argv[1])
with warehouse.connect(ws.warehouse) as conn:
    for quarter in sys.argv[2:]:
        for county in {COUNTIES}:
            approval.act(conn, "submit", county, quarter, county, "李四", reason="测试")
            approval.act(conn, "accept", county, quarter, "441500", "王五")
            print(county, quarter, flush=True)
"""


def test_a_process_killed_mid_steps_leaves_each_step_whole_or_not_at_all(ws, catalogue, tmp_path):
    with warehouse.connect(ws.warehouse) as conn:  # let go before the child takes its turn at the warehouse
        assert submit(conn, ws, catalogue, one_file(tmp_path, QUARTERS), "441500").startswith("accepted")
    child = subprocess.Popen([sys.executable, "-c", STEPS, str(ws.home), *QUARTERS], env=clean_env(tmp_path),
                             stdout=subprocess.PIPE, text=True)
    for _ in range(5):  # let it sign a few quarters, then kill it mid-way
        child.stdout.readline()
    time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    with warehouse.connect(ws.warehouse) as again:
        logged = again.execute("select log_id, region_code, quarter, action, state from approval_log "
                               "order by log_id").fetchall()
        (counter,) = again.execute("select last_id from counters where name = 'approval_log_ids'").fetchone()
        assert 10 <= len(logged) < 2 * len(COUNTIES) * len(QUARTERS)  # killed after five pairs, before the end
        # the id counter moved with the steps logged, in the same transactions: no id taken for a step not logged
        assert counter == max(log_id for log_id, *_ in logged) and len({r[0] for r in logged}) == len(logged)
        by_quarter: dict = {}
        for _, region, quarter, action, state in logged:
            by_quarter.setdefault((region, quarter), []).append((action, state))
        for steps in by_quarter.values():  # each region's quarter: submitted, then perhaps accepted; nothing else
            assert steps in ([("submit", "submitted")], [("submit", "submitted"), ("accept", "accepted")])
        # the region's quarter the kill interrupted goes on from where its log says it stands
        (region, quarter), steps = max(by_quarter.items(), key=lambda item: QUARTERS.index(item[0][1]))
        if len(steps) == 1:
            approval.act(again, "accept", region, quarter, "441500", "王五")
        else:
            refused = None
            try:
                approval.act(again, "accept", region, quarter, "441500", "王五")
            except Refused as exc:
                refused = str(exc)
            assert refused is not None and "已审定" in refused
