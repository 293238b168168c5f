"""The portal's sessions, auditors' regions and headers on a real `ipwatch web` process (tests/conftest.py's
`portal_url`: a free loopback port, a real warehouse, users made by `ipwatch users add`), spoken to over HTTP as a
browser would, cookies and all (#26, item 9).

A session ends on the server, not only in the browser: after a password change, a change of role or region, or
its eight hours from login, the cookie a computer kept opens nothing and uploads nothing. An auditor with a region
sees, counts and decides only the findings of that region and the regions under it. Every answer, refusals and
errors included, carries the security headers."""

from __future__ import annotations

import getpass
import re
import shutil
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ipwatch import __version__, warehouse
from ipwatch.portal import security

from .conftest import BIN, PORTAL_PASSWORD, clean_env
from .test_web_load import receipt_address

pytestmark = pytest.mark.slow

ROW = "region_code,period,indicator_code,value,unit,note\n{region},2025Q3,pct_applications,{value},件,\n"


def ipwatch(folder: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """An `ipwatch` command on the portal's workspace, as an operator runs it beside the server."""
    return subprocess.run([str(BIN / "ipwatch"), "--home", str(folder / "home"), *args], input=stdin, text=True,
                          env=clean_env(folder), capture_output=True, check=True)


def add_user(folder: Path, name: str, role: str, region: str | None = None) -> None:
    ipwatch(folder, "users", "add", name, "--role", role, *(["--region", region] if region else []),
            "--password-stdin", stdin=PORTAL_PASSWORD + "\n")


def token(client: httpx.Client, path: str) -> str:
    """The CSRF token of a page's forms."""
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def signed_in(url: str, name: str, password: str = PORTAL_PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=120)
    reply = client.post("/login", data={"user_name": name, "password": password, "csrf": token(client, "/login")})
    assert reply.status_code == 303, reply.text
    return client


def kept(client: httpx.Client, url: str) -> httpx.Client:
    """Another client holding only the session cookie `client` has now: what a shared computer keeps."""
    other = httpx.Client(base_url=url, follow_redirects=False, timeout=120)
    other.cookies.set("ipwatch_session", client.cookies["ipwatch_session"])
    return other


def upload(client: httpx.Client, region: str, content: str, csrf: str) -> httpx.Response:
    return client.post(f"/regions/{region}/submissions", data={"csrf": csrf},
                       files={"file": ("q3.csv", content.encode(), "text/csv")})


def warehouse_rows(folder: Path, statement: str, **params: object) -> list[tuple]:
    """A statement on the portal's warehouse, in its turn at the file lock beside the server's requests."""
    with warehouse.connect(folder / "home" / "warehouse.duckdb") as conn:
        return conn.execute(statement, params or None).fetchall()


def uploads_by(folder: Path, name: str) -> int:
    return warehouse_rows(folder, "select count(*) from portal_events where action = 'upload' and user_name = $n",
                          n=name)[0][0]


def shut_out(client: httpx.Client, folder: Path, name: str, csrf: str) -> None:
    """The session neither opens the office's pages nor uploads: each answer sends it to the login page."""
    for path in ("/", "/regions/340100", "/regions/340100/submissions", "/audit"):
        assert client.get(path).headers.get("location") == "/login", path
    reply = upload(client, "340100", ROW.format(region="340100", value=12), csrf)
    assert reply.status_code == 303 and reply.headers["location"] == "/login"
    assert uploads_by(folder, name) == 0


def test_a_password_change_ends_the_sessions_signed_before(portal_url, portal_folder):
    add_user(portal_folder, "pw-office", "office", "340100")
    client = signed_in(portal_url, "pw-office")
    csrf = token(client, "/regions/340100")
    ipwatch(portal_folder, "users", "password", "pw-office", "--password-stdin", stdin="a brand new password\n")
    shut_out(kept(client, portal_url), portal_folder, "pw-office", csrf)
    assert signed_in(portal_url, "pw-office", "a brand new password").get("/regions/340100").status_code == 200


@pytest.mark.parametrize(("name", "role", "region"), [("demoted", "auditor", ""), ("moved", "office", "340102")])
def test_a_change_of_role_or_region_ends_the_sessions_signed_before(portal_url, portal_folder, name, role, region):
    add_user(portal_folder, name, "office", "340100")
    client = signed_in(portal_url, name)
    csrf = token(client, "/regions/340100")
    admin = signed_in(portal_url, "root")
    reply = admin.post(f"/admin/users/{name}/assignment", data={"csrf": token(admin, "/admin/users"), "role": role,
                                                                "region_code": region})
    assert reply.status_code == 200
    # demoted to auditor, the old cookie would have opened the auditor's queue had the session lived on
    shut_out(kept(client, portal_url), portal_folder, name, csrf)


def test_a_session_ends_on_the_server_eight_hours_after_its_login(portal_url, portal_folder):
    add_user(portal_folder, "long-day", "office", "340100")
    client = signed_in(portal_url, "long-day")
    csrf = token(client, "/regions/340100")

    def logged_in_ago(age: timedelta) -> None:
        """Move the session's login back in the server's own record: as if it had been `age` ago."""
        warehouse_rows(portal_folder, "update portal_events set happened_at = now()::timestamp - $age "
                       "where action = 'login' and user_name = 'long-day'", age=age)

    logged_in_ago(timedelta(hours=7, minutes=59))  # 1 minute of its 8 hours left: it still works
    assert client.get("/regions/340100").status_code == 200
    logged_in_ago(timedelta(hours=8, minutes=1))  # though the cookie was re-signed a moment ago
    shut_out(kept(client, portal_url), portal_folder, "long-day", csrf)


def test_a_logout_ends_the_session_the_computer_kept(portal_url, portal_folder):
    add_user(portal_folder, "leaving", "office", "340100")
    client = signed_in(portal_url, "leaving")
    csrf = token(client, "/regions/340100")
    left = kept(client, portal_url)
    assert client.post("/logout", data={"csrf": csrf}).headers["location"] == "/login"
    shut_out(left, portal_folder, "leaving", csrf)


@pytest.fixture(scope="module")
def regional(portal_url, portal_folder) -> dict[str, set[int]]:
    """Findings of two provinces' offices and one county's row, and what each auditor's queue lists (every status):
    合肥 (340100) sends a row of its own and a row of 瑶海区 (340102) with no value; 辽宁 (210000) a row of its own.
    Auditors: shen (every region), of 合肥市, of 瑶海区, of 辽宁省."""
    offices = {"hefei": ("340100", ROW.format(region="340100", value=12) + "340102,2025Q3,pct_applications,/,件,\n"),
               "liaoning": ("210000", ROW.format(region="210000", value=30))}
    for name, (region, content) in offices.items():
        client = signed_in(portal_url, name)
        reply = upload(client, region, content, token(client, f"/regions/{region}"))
        assert reply.status_code == 303
        receipt_address(client, reply.headers["location"])  # decided (uploads are gathered into batches)
    for name, region in (("aud-hefei", "340100"), ("aud-yaohai", "340102"), ("aud-liaoning", "210000")):
        add_user(portal_folder, name, "auditor", region)
    return {name: queue_ids(signed_in(portal_url, name)) for name in ("shen", "aud-hefei", "aud-yaohai",
                                                                       "aud-liaoning")}


def queue_ids(client: httpx.Client) -> set[int]:
    page = client.get("/audit?status=").text
    return {int(n) for n in re.findall(r'href="/audit/findings/(\d+)"', page)}


def test_each_auditor_sees_the_findings_of_its_region_and_those_under_it(regional, portal_folder):
    every, hefei, yaohai, liaoning = (regional[n] for n in ("shen", "aud-hefei", "aud-yaohai", "aud-liaoning"))
    # the two provinces' auditors split the national queue between them, nothing seen twice, nothing lost
    assert every and hefei and liaoning and hefei | liaoning == every and not hefei & liaoning
    # the county's auditor: its one row (value '/': the warning value_missing), which the city's auditor sees too
    assert yaohai and yaohai < hefei
    regions = dict(warehouse_rows(portal_folder, "select finding_id, region_code from findings"))
    assert {regions[f] for f in yaohai} == {"340102"}


def test_another_regions_finding_is_neither_shown_nor_decided(regional, portal_url, portal_folder):
    auditor = signed_in(portal_url, "aud-hefei")
    theirs, ours = min(regional["aud-liaoning"]), min(regional["aud-hefei"])
    assert auditor.get(f"/audit/findings/{theirs}").status_code == 403
    forged = auditor.post(f"/audit/findings/{theirs}/decision",
                          data={"csrf": token(auditor, "/audit"), "decision": "confirm", "reason": "越权"})
    assert forged.status_code == 403 and "无权" in forged.text
    assert warehouse_rows(portal_folder, "select count(*) from audit_log where finding_id = $f", f=theirs) == [(0,)]
    assert warehouse_rows(portal_folder, "select count(*) from portal_events where action = 'decide' "
                          "and user_name = 'aud-hefei'") == [(0,)]
    mine = auditor.post(f"/audit/findings/{ours}/decision",
                        data={"csrf": token(auditor, "/audit"), "decision": "confirm", "reason": "核实无误"})
    assert mine.status_code == 303
    assert warehouse_rows(portal_folder, "select decided_by from audit_log where finding_id = $f", f=ours) == [
        ("aud-hefei",)]


def test_an_auditors_report_holds_its_region_only(regional, portal_url):
    everything = signed_in(portal_url, "shen").get("/audit/report").text
    own = signed_in(portal_url, "aud-hefei").get("/audit/report").text
    assert "辽宁省" in everything and "合肥市" in own  # so the next line tells something
    assert "辽宁省" not in own


def test_an_auditors_report_is_stamped_with_the_auditor_who_asked_not_the_server_s_account(regional, portal_url):
    """The server runs as one operating-system account for every auditor: a stamp naming it names no one (#27)."""
    html = signed_in(portal_url, "aud-hefei").get("/audit/report").text
    assert html.count(f"ipwatch {__version__} · aud-hefei@{socket.gethostname()}") == 2  # top and foot
    assert f"· {getpass.getuser()}@" not in html


def given_back(path: Path) -> None:
    """Wait until the server has closed the warehouse and given its turn back (IPWATCH_PORTAL_KEEP_OPEN_SECONDS after
    its last request), as another process would take it."""
    import fcntl
    import time

    deadline = time.monotonic() + 60
    with open(path.with_name(path.name + ".lock"), "a+") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
                return
            except BlockingIOError:
                assert time.monotonic() < deadline, "the server kept the warehouse"
                time.sleep(0.1)


def test_every_answer_carries_the_security_headers_errors_included(regional, portal_url, portal_folder):
    """200, 303, 400 (forged Host), 401, 403 (another's page; CSRF), 404, 405, 413 and 500 (the warehouse gone)."""
    office, anon = signed_in(portal_url, "hefei"), httpx.Client(base_url=portal_url, follow_redirects=False)
    answers = {
        "page": office.get("/regions/340100"),
        "redirect": anon.get("/"),
        "forged host": anon.get("/login", headers={"host": "evil.example"}),
        "wrong password": anon.post("/login", data={"user_name": "nobody", "password": "x",
                                                    "csrf": token(anon, "/login")}),
        "forbidden": office.get("/regions/210000"),
        "csrf": office.post("/logout", data={"csrf": "forged"}),
        "not found": office.get("/no/such/page"),
        "method": office.put("/login"),
        "too large": anon.post("/login", data={"user_name": "x" * (security.FORM_LIMIT + 1), "password": "y"}),
    }
    home = portal_folder / "home"
    given_back(home / "warehouse.duckdb")  # kept open after the last request, the server would read the file moved
    shutil.move(home / "warehouse.duckdb", home / "aside.duckdb")
    try:
        answers["crash"] = office.get("/regions/340100")
    finally:
        (home / "warehouse.duckdb").unlink(missing_ok=True)
        shutil.move(home / "aside.duckdb", home / "warehouse.duckdb")
    statuses = {what: reply.status_code for what, reply in answers.items()}
    assert statuses == {"page": 200, "redirect": 303, "forged host": 400, "wrong password": 401, "forbidden": 403,
                        "csrf": 403, "not found": 404, "method": 405, "too large": 413, "crash": 500}
    for what, reply in answers.items():
        missing = {"content-security-policy", *security.HEADERS} - set(reply.headers)
        assert not missing, (what, missing)
    crash = answers["crash"].text
    assert "系统出错" in crash and "Traceback" not in crash and "duckdb" not in crash.lower()
