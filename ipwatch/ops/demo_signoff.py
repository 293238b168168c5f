"""The demo's sign-off (逐级审核), as its offices would have done it: every region's quarter from
demo_events.SIGNOFF_FROM on, submitted by the region's own office the day after its file and signed by each office
above it, in order, up to the top (a quarter with an open finding or a missing indicator stays 未上报, as the rules
say); the latest quarter of one plan region returned with a reason, to be corrected and submitted again. When each
step is taken is demo_events' to say.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from ipwatch import approval, warehouse
from ipwatch.bulletins import publication
from ipwatch.domain import periods
from ipwatch.domain.signoff import Refused
from ipwatch.ops import demo, demo_events

ADMIN, CLERK, REVIEWER = "演示管理员", "演示填报员", "演示审核员"
TAKEN_OVER = "下辖其余地区已逐一审定，未报地区另行督办"  # the top's reason to accept its own with some below unsigned
# a plan region's reason to submit its own quarter over an open finding that a county's correction will settle
OVERRIDE = "本级数值已核实无误；所涉县级数值待更正（审核员已要求），不影响本级上报"


def sign_off(conn: duckdb.DuckDBPyConnection, last_quarter: str, due: dict[str, date], returned: tuple[str, str],
             now: datetime) -> dict:
    """Sign off every region's quarter from SIGNOFF_FROM to `last_quarter`; `returned` (region, quarter) is
    submitted and returned. Returns the steps taken, the quarters left 未上报, and the return's moments (returned,
    corrected file, submitted again; demo_events.returning), None when it was not submitted."""
    publication.begin_signoff(conn, demo_events.SIGNOFF_FROM, ADMIN)
    arrivals = {(r, q): at for r, q, at in warehouse.query(conn, "first_arrivals", first=demo_events.SIGNOFF_FROM)
                .iter_rows()}
    steps, unsubmitted, moments = 0, [], None
    for quarter in periods.quarters(demo_events.SIGNOFF_FROM, last_quarter):
        chains = approval.chains(approval.registry(conn, quarter), quarter)
        bound = approval.status(conn, None, quarter)["region_code"].to_list()
        # each region before the office it is signed by: a city's own quarter after its counties'
        for region in sorted(bound, key=lambda r: (chains(r)[-1] == r, r)):
            arrived = arrivals.get((region, quarter))
            if arrived is None:
                unsubmitted.append((region, quarter))
                continue
            chain = chains(region)
            submitted, signed = demo_events.signing(due[quarter], arrived, demo.rng("signing", region, quarter),
                                                    now)
            try:
                submit(conn, region, quarter, chain, submitted)
            except Refused:  # an open finding or a missing indicator: the office has not submitted it
                unsubmitted.append((region, quarter))
                continue
            steps += 1
            if (region, quarter) == returned:
                moments = demo_events.returning(due[quarter], submitted, now)
                approval.act(conn, "return", region, quarter, chain[1], REVIEWER, reason=demo_events.RETURNED.reason,
                             at=moments[0])
                steps += 1
                continue
            steps += sign_up(conn, region, quarter, chain, signed, now)
    return {"steps": steps, "unsubmitted": unsubmitted, "returned": moments}


def submit(conn: duckdb.DuckDBPyConnection, region: str, quarter: str, chain: list[str], at: datetime) -> None:
    """上报; a plan region (its own top) takes an open finding over with its reason, a county waits."""
    try:
        approval.act(conn, "submit", region, quarter, region, CLERK, at=at)
    except Refused:
        if chain[0] != chain[-1] or approval.readiness(conn, region, quarter)["missing"]:
            raise
        approval.act(conn, "submit", region, quarter, region, CLERK, reason=OVERRIDE, at=at)


def sign_up(conn: duckdb.DuckDBPyConnection, region: str, quarter: str, chain: list[str], signed: datetime,
            now: datetime) -> int:
    """Each office above the region signs in turn (审核通过, then 审定 at the top), three days apart."""
    for n, office in enumerate(chain[1:], start=1):
        action = "accept" if n == len(chain) - 1 else "approve"
        at = min(signed + timedelta(days=3 * (n - 1)), now)
        try:
            approval.act(conn, action, region, quarter, office, REVIEWER, at=at)
        except Refused:  # regions below not all signed: the top signs its own, saying so (the log names them)
            approval.act(conn, action, region, quarter, office, REVIEWER, reason=TAKEN_OVER, at=at)
    return len(chain) - 1


def resubmit(conn: duckdb.DuckDBPyConnection, returned: tuple[str, str], at: datetime) -> None:
    """The returned quarter, corrected, submitted again; its reviewer has not yet signed it."""
    region, quarter = returned
    approval.act(conn, "submit", region, quarter, region, CLERK, at=at)
