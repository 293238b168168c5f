"""The portal's rules, each tried on the application itself (Starlette's TestClient, a real warehouse in tmp_path):
who may see and do what, CSRF, throttling, the headers, the upload's limits and identity. The browser and a real
server process are tests/test_web_browser.py's."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # Starlette's TestClient would rather have httpx2; the lock has httpx, which works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from ipwatch import cli, config, warehouse
from ipwatch.portal import security, users, views, web
from ipwatch.warehouse import reference

PASSWORD = "correct horse battery"
GOOD_ROW = b"region_code,period,indicator_code,value,unit,note\n340100,2025Q3,pct_applications,12,\xe4\xbb\xb6,\n"


@pytest.fixture(autouse=True)
def judged_at_once(monkeypatch) -> None:
    """Uploads judged in their own request (IPWATCH_PORTAL_WINDOW_SECONDS=0), so each rule's test reads its receipt
    at once; uploads gathered into batches are tests/test_web_gather.py's, on a real server."""
    monkeypatch.setenv("IPWATCH_PORTAL_WINDOW_SECONDS", "0")


@pytest.fixture
def home(tmp_path: Path) -> config.Workspace:
    """A workspace with an office for Hefei (340100), one for Liaoning (210000), an auditor and an administrator."""
    ws = config.workspace(tmp_path / "home")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        users.add(conn, "hefei", "office", "340100", PASSWORD, "test")
        users.add(conn, "liaoning", "office", "210000", PASSWORD, "test")
        users.add(conn, "shen", "auditor", None, PASSWORD, "test")
        users.add(conn, "root", "admin", None, PASSWORD, "test")
    return ws


@pytest.fixture
def anon(home) -> TestClient:
    return TestClient(web.app(home), follow_redirects=False)


def token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of a page's forms."""
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def signed_in(home: config.Workspace, name: str) -> TestClient:
    client = TestClient(web.app(home), follow_redirects=False)
    reply = client.post("/login", data={"user_name": name, "password": PASSWORD, "csrf": token(client)})
    assert reply.status_code == 303, reply.text
    return client


def upload(client: TestClient, region: str, content: bytes, name: str = "合肥.csv", kind: str = "text/csv"):
    return client.post(f"/regions/{region}/submissions", data={"csrf": token(client, "/regions/340100")},
                       files={"file": (name, content, kind)}, follow_redirects=True)


def events(home: config.Workspace) -> list[tuple]:
    with warehouse.connect(home.warehouse, read_only=True) as conn:
        return conn.sql("select user_name, action, outcome from portal_events order by event_id").fetchall()


def test_a_visitor_is_sent_to_the_login_page(anon):
    for path in ("/", "/regions/340100", "/audit", "/admin/users", "/regions/340100/submissions"):
        assert anon.get(path).headers["location"] == "/login"


def test_an_office_lands_on_its_region_with_its_calendar(home):
    page = signed_in(home, "hefei").get("/", follow_redirects=True)
    assert page.url.path == "/regions/340100"
    assert "报送日历" in page.text and "上传报表" in page.text and "合肥市" in page.text


def test_the_calendar_states_the_due_day_the_warehouse_keeps(home):
    with warehouse.connect(home.warehouse) as conn:
        conn.execute("update settings set value = 20 where name = 'due_day'")
    page = signed_in(home, "hefei").get("/regions/340100")
    assert "下一季度首月 20 日前报送" in page.text and re.search(r"<td>\d{4}-\d{2}-20</td>", page.text)


def test_each_role_lands_on_its_own_first_page(home):
    assert signed_in(home, "shen").get("/").headers["location"] == "/audit"
    assert signed_in(home, "root").get("/").headers["location"] == "/admin/users"


@pytest.mark.parametrize("path", ["/regions/210000", "/regions/210000/submissions", "/regions/210000/bulletins",
                                  "/regions/210000/template?period=2025Q3", "/regions/210000/bulletins/x.html",
                                  "/audit", "/audit/findings/1", "/audit/report", "/admin/users"])
def test_an_office_is_refused_another_regions_pages_and_other_roles_pages(home, path):
    reply = signed_in(home, "hefei").get(path)
    assert reply.status_code == 403
    assert "无权" in reply.text and "辽宁" not in reply.text
    assert events(home)[-1] == ("hefei", "forbidden", "refused")


def test_an_office_is_refused_an_upload_for_another_region_before_its_body_is_read(home):
    client = signed_in(home, "hefei")
    reply = client.post("/regions/210000/submissions", data={"csrf": token(client, "/regions/340100")},
                        files={"file": ("x.csv", GOOD_ROW, "text/csv")})
    assert reply.status_code == 403
    assert [e for e in events(home) if e[1] == "upload"] == []


def test_an_office_reaches_the_regions_under_it(home):
    client = signed_in(home, "liaoning")
    assert client.get("/regions/210100").status_code == 200  # 沈阳市, under 辽宁省
    assert client.get("/regions/340100").status_code == 403


def test_an_office_cannot_decide_and_an_auditor_cannot_manage_users(home):
    office, auditor = signed_in(home, "hefei"), signed_in(home, "shen")
    assert office.post("/audit/findings/1/decision", data={"csrf": token(office, "/regions/340100"),
                                                           "decision": "confirm", "reason": "x"}).status_code == 403
    assert auditor.post("/admin/users", data={"csrf": token(auditor, "/audit"), "user_name": "evil",
                                              "role": "admin", "password": PASSWORD}).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(home):
    client = signed_in(home, "hefei")
    reply = client.post("/regions/340100/submissions", files={"file": ("a.csv", GOOD_ROW, "text/csv")})
    assert reply.status_code == 403
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert [e for e in events(home) if e[1] == "upload"] == []


def test_a_post_from_another_site_is_refused(home):
    client = signed_in(home, "hefei")
    reply = client.post("/logout", data={"csrf": token(client, "/regions/340100")},
                        headers={"origin": "http://evil.example"})
    assert reply.status_code == 403


def test_a_wrong_password_is_refused_and_logged(home, anon):
    reply = anon.post("/login", data={"user_name": "hefei", "password": "nope", "csrf": token(anon)})
    assert reply.status_code == 401 and "用户名或密码错误" in reply.text
    assert events(home)[-1] == ("hefei", "login", "failed")


def test_logins_are_throttled_after_repeated_failures_even_with_the_right_password(home, anon):
    csrf = token(anon)
    for _ in range(users.THROTTLE_USER):
        anon.post("/login", data={"user_name": "hefei", "password": "nope", "csrf": csrf})
    reply = anon.post("/login", data={"user_name": "hefei", "password": PASSWORD, "csrf": csrf})
    assert reply.status_code == 429 and "15 分钟" in reply.text
    assert events(home)[-1] == ("hefei", "login", "throttled")
    assert signed_in(home, "shen")  # another user is not locked out


def test_a_password_reset_ends_the_users_sessions(home):
    client = signed_in(home, "hefei")
    with warehouse.connect(home.warehouse) as conn:
        users.set_password(conn, "hefei", "a brand new password")
    assert client.get("/regions/340100").headers["location"] == "/login"


def test_a_logged_out_session_cookie_opens_nothing(home):
    # a shared office computer keeps the cookie: after logout it must not open the office's pages nor upload
    client = signed_in(home, "hefei")
    kept = client.cookies.get("ipwatch_session")
    assert client.get("/regions/340100").status_code == 200
    client.post("/logout", data={"csrf": token(client, "/regions/340100")})
    other = TestClient(web.app(home), follow_redirects=False)
    other.cookies.set("ipwatch_session", kept)
    assert other.get("/regions/340100").headers["location"] == "/login"
    # the same user's other session (another computer) is not ended by this logout
    assert signed_in(home, "hefei").get("/regions/340100").status_code == 200


def test_the_session_cookie_is_signed_httponly_and_samesite(home):
    client = TestClient(web.app(home), follow_redirects=False)
    cookie = client.get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    client.cookies.set("ipwatch_session", "eyJ1c2VyIjogInJvb3QifQ==.forged.signature")  # {"user": "root"}
    assert client.get("/admin/users").headers["location"] == "/login"


def test_every_page_carries_a_csp_without_inline_exceptions_and_the_hardening_headers(home):
    reply = signed_in(home, "hefei").get("/regions/340100")
    csp = reply.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert reply.headers["x-content-type-options"] == "nosniff" and reply.headers["x-frame-options"] == "DENY"
    assert "server" not in reply.headers
    assert "<script>" not in reply.text and "<style>" not in reply.text and " style=" not in reply.text


def test_the_office_downloads_its_form(home):
    reply = signed_in(home, "hefei").get("/regions/340100/template?period=2025Q3")
    assert reply.status_code == 200 and reply.content[:2] == b"PK"
    assert '340100-2025Q3.xlsx' in reply.headers["content-disposition"]


def test_the_form_s_period_is_read_and_checked_as_the_cli_reads_it(home):
    client = signed_in(home, "hefei")
    reply = client.get("/regions/340100/template?period=2025年第三季度")
    assert reply.status_code == 200 and '340100-2025Q3.xlsx' in reply.headers["content-disposition"]
    for bad, says in (("2025Q9", "报告期应为季度"), ("1999Q4", "报告期早于最早规划的基期")):
        reply = client.get(f"/regions/340100/template?period={bad}")
        assert reply.status_code == 400 and "报告期有误" in reply.text and says in reply.text


def test_an_upload_is_processed_by_the_pipeline_and_answered_with_its_receipt(home):
    client = signed_in(home, "hefei")
    reply = upload(client, "340100", GOOD_ROW)
    assert reply.status_code == 200 and "报送回执" in reply.text and "已接收" in reply.text
    with warehouse.connect(home.warehouse, read_only=True) as conn:
        assert conn.sql("select file_name, office_code, status from submissions").fetchall() == [
            ("合肥.csv", "340100", "accepted_with_warnings")]
    assert ("hefei", "upload", "accepted_with_warnings") in events(home)
    assert list((home.home / "uploads").iterdir()) == []  # the bytes are kept once, in archive/ by their hash


def test_a_faulty_upload_lists_each_error_with_its_line_column_and_fix(home):
    bad = GOOD_ROW + "340100,2025Q3,patent_grants,12a,件,\n".encode()
    reply = upload(signed_in(home, "hefei"), "340100", bad)
    assert "已退回" in reply.text and "第3行" in reply.text and "数值" in reply.text
    assert "12a" in reply.text and "请按" in reply.text


def test_the_same_file_again_is_a_duplicate(home):
    client = signed_in(home, "hefei")
    upload(client, "340100", GOOD_ROW)
    assert "重复报送" in upload(client, "340100", GOOD_ROW).text


def test_the_client_file_name_is_metadata_never_a_path(home):
    reply = upload(signed_in(home, "hefei"), "340100", GOOD_ROW, name="../../etc/<i>x.csv")
    assert "&lt;i&gt;x.csv" in reply.text and "<i>x" not in reply.text
    assert not (home.home.parent / "etc").exists()
    stored = [p.name for p in home.archive.iterdir()]
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{16}-[0-9a-f]{64}", stored[0])


def test_the_content_decides_the_reading_not_the_declared_type(home):
    reply = upload(signed_in(home, "hefei"), "340100", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
                   name="form.xlsx", kind="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "已退回" in reply.text
    with warehouse.connect(home.warehouse, read_only=True) as conn:
        assert conn.sql("select status from submissions").fetchone() == ("rejected",)


def test_an_upload_over_the_limit_is_refused_from_its_declared_length_before_reading(home, monkeypatch):
    monkeypatch.setattr(views, "limit_bytes", lambda: 10_000)
    client = signed_in(home, "hefei")
    reply = upload(client, "340100", b"x" * 200_000)
    assert reply.status_code == 413
    assert not (home.home / "uploads").exists() or list((home.home / "uploads").iterdir()) == []


def test_an_upload_without_a_length_is_cut_off_once_it_grows_past_the_limit(home, monkeypatch):
    monkeypatch.setattr(views, "limit_bytes", lambda: 10_000)
    client = signed_in(home, "hefei")
    sent = []

    def body():
        for _ in range(100):  # 6.4 MB, chunked: no Content-Length to refuse it by
            sent.append(1)
            yield b"y" * 65536

    reply = client.post("/regions/340100/submissions", content=body(),
                        headers={"content-type": "multipart/form-data; boundary=b"})
    assert reply.status_code == 413
    assert [e for e in events(home) if e[1] == "upload"] == []


def test_a_form_post_over_its_limit_is_refused(anon):
    reply = anon.post("/login", data={"user_name": "x" * (security.FORM_LIMIT + 1), "password": "y"})
    assert reply.status_code == 413


def test_an_upload_lands_on_its_receipt_at_its_own_address(home):
    client = signed_in(home, "hefei")
    reply = client.post("/regions/340100/submissions", data={"csrf": token(client, "/regions/340100")},
                        files={"file": ("合肥.csv", GOOD_ROW, "text/csv")})
    assert reply.status_code == 303 and reply.headers["location"] == "/regions/340100/submissions/1"
    again = client.get("/regions/340100/submissions/1")
    assert "已接收" in again.text and "合肥.csv" in again.text


def test_a_receipt_is_refused_to_another_office(home):
    upload(signed_in(home, "hefei"), "340100", GOOD_ROW)
    client = signed_in(home, "liaoning")
    assert client.get("/regions/210000/submissions/1").status_code == 403
    assert client.get("/regions/340100/submissions/1").status_code == 403


def test_a_file_rejected_through_the_cli_shows_its_rejection_report_as_receipt(home, tmp_path):
    from ipwatch.intake import pipeline
    from ipwatch.intake.batch import Incoming

    path = tmp_path / "cli.csv"
    path.write_bytes(GOOD_ROW + "340100,2025Q3,patent_grants,12a,件,\n".encode())
    with warehouse.connect(home.warehouse) as conn:
        pipeline.process(conn, home, [Incoming(path, "340100")])
    page = signed_in(home, "hefei").get("/regions/340100/submissions/1").text
    assert "已退回" in page and "12a" in page and "cli.csv" in page


def test_the_history_shows_each_submission_with_its_audit_state(home):
    client = signed_in(home, "hefei")
    upload(client, "340100", GOOD_ROW)
    page = client.get("/regions/340100/submissions").text
    assert "合肥.csv" in page and "待审核" in page


def test_an_auditor_sees_the_queue_and_decides_a_finding_in_its_own_name(home):
    upload(signed_in(home, "hefei"), "340100", GOOD_ROW)
    auditor = signed_in(home, "shen")
    queue = auditor.get("/audit").text
    first = int(re.search(r'/audit/findings/(\d+)"', queue).group(1))
    csrf = token(auditor, f"/audit/findings/{first}")
    reply = auditor.post(f"/audit/findings/{first}/decision",
                         data={"csrf": csrf, "decision": "confirm", "reason": "核实无误"})
    assert reply.status_code == 303
    with warehouse.connect(home.warehouse, read_only=True) as conn:
        assert conn.sql("select finding_id, decision, decided_by from audit_log").fetchall() == [
            (first, "confirm", "shen")]
    assert ("shen", "decide", "confirm") in events(home)
    assert "核实无误" in auditor.get(f"/audit/findings/{first}").text


def test_a_decision_without_a_reason_is_refused(home):
    upload(signed_in(home, "hefei"), "340100", GOOD_ROW)
    auditor = signed_in(home, "shen")
    reply = auditor.post("/audit/findings/1/decision",
                         data={"csrf": token(auditor, "/audit"), "decision": "confirm", "reason": " "})
    assert reply.status_code == 400 and "理由" in reply.text


def test_the_audit_report_is_served_with_a_csp_of_its_own_hashes(home):
    reply = signed_in(home, "shen").get("/audit/report")
    assert reply.status_code == 200 and "数据审核报告" in reply.text
    csp = reply.headers["content-security-policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp


def test_an_administrator_creates_a_user_who_can_log_in_and_resets_a_password(home):
    admin = signed_in(home, "root")
    reply = admin.post("/admin/users", data={"csrf": token(admin, "/admin/users"), "user_name": "jiangjin",
                                             "role": "office", "region_code": "500116", "password": PASSWORD})
    assert reply.status_code == 201 and "jiangjin" in reply.text
    assert signed_in(home, "jiangjin").get("/").headers["location"] == "/regions/500116"
    admin.post("/admin/users/jiangjin/password", data={"csrf": token(admin, "/admin/users"),
                                                       "password": "another long one"})
    client = TestClient(web.app(home), follow_redirects=False)
    assert client.post("/login", data={"user_name": "jiangjin", "password": PASSWORD,
                                       "csrf": token(client)}).status_code == 401
    assert ("root", "user_add", "ok") in events(home) and ("root", "password_reset", "ok") in events(home)


def test_an_office_user_needs_a_known_region(home):
    admin = signed_in(home, "root")
    reply = admin.post("/admin/users", data={"csrf": token(admin, "/admin/users"), "user_name": "nowhere",
                                             "role": "office", "region_code": "999999", "password": PASSWORD})
    assert reply.status_code == 400 and "999999" in reply.text


def test_users_add_on_the_command_line_reads_the_password_from_stdin(home, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["--home", str(home.home), "users", "add", "shanwei", "--role", "office", "--region", "441500",
                     "--password-stdin"]) == 0
    assert signed_in(home, "shanwei")
    assert cli.main(["--home", str(home.home), "users"]) == 0
    assert "shanwei" in capsys.readouterr().out


def test_user_names_are_unique_ignoring_case(home, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["--home", str(home.home), "users", "add", "aud2", "--role", "auditor", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["--home", str(home.home), "users", "add", "AUD2", "--role", "auditor", "--password-stdin"]) == 2
    assert "用户名已存在（不区分大小写）(user name taken, ignoring case): aud2" in capsys.readouterr().err


def test_users_add_refuses_a_short_password(home, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["--home", str(home.home), "users", "add", "x1", "--role", "auditor", "--password-stdin"]) == 2


def test_passwords_are_stored_as_argon2id_hashes(home):
    with warehouse.connect(home.warehouse, read_only=True) as conn:
        (stored,) = conn.sql("select password_hash from portal_users where user_name = 'hefei'").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_client_name_keeps_its_last_part_only():
    assert views.client_name("C:\\Users\\x\\合肥 2025Q3.xlsx") == "合肥 2025Q3.xlsx"
    assert views.client_name("../../etc/passwd\x00") == "passwd"
    assert views.client_name("") == "upload"


def test_a_document_csp_allows_its_own_inline_blocks_by_hash_only():
    csp = security.document_csp('<style>a{}</style><p style="color: red">x</p><script>go()</script>')
    assert csp.count("'sha256-") == 3 and "'unsafe-hashes'" in csp and "unsafe-inline" not in csp


def bulletin_files(home: config.Workspace) -> None:
    """Two plans' bulletins as `ipwatch bulletin` names them, one with an inline script and style; a county page."""
    home.bulletins.mkdir(parents=True, exist_ok=True)
    page = '<html><head><style>p{color:red}</style></head><body><p>合肥</p><script>sort()</script></body></html>'
    (home.bulletins / "2025-10-hefei-2022.html").write_text(page, "utf-8")
    (home.bulletins / "2025-10-hefei-2022.xlsx").write_bytes(b"PK\x03\x04annex")
    (home.bulletins / "2025-10-liaoning-2017.html").write_text("<p>辽宁</p>", "utf-8")
    (home.bulletins / "2025-10-liaoning-2017").mkdir()
    (home.bulletins / "2025-10-liaoning-2017" / "210102.html").write_text("<p>和平区</p>", "utf-8")


def test_an_office_reads_the_bulletins_of_its_region_only(home):
    bulletin_files(home)
    client = signed_in(home, "hefei")
    listing = client.get("/regions/340100/bulletins").text
    assert "2025-10-hefei-2022.html" in listing and "liaoning" not in listing
    page = client.get("/regions/340100/bulletins/2025-10-hefei-2022.html")
    assert page.status_code == 200 and "合肥" in page.text
    assert page.headers["content-security-policy"].count("'sha256-") == 2
    assert client.get("/regions/340100/bulletins/2025-10-hefei-2022.xlsx").content.startswith(b"PK")
    for name in ("2025-10-liaoning-2017.html", "2025-10-liaoning-2017/210102.html", "../warehouse.duckdb",
                 "..%2Fwarehouse.duckdb", "2025-10-hefei-2022.html/../../warehouse.duckdb"):
        assert client.get(f"/regions/340100/bulletins/{name}").status_code in (403, 404), name


def test_a_province_office_reads_its_plans_county_pages(home):
    bulletin_files(home)
    client = signed_in(home, "liaoning")
    assert "和平区" in client.get("/regions/210000/bulletins/2025-10-liaoning-2017/210102.html").text


def test_a_version_2_warehouse_gets_the_portals_tables_on_upgrade(tmp_path):
    ws = config.workspace(tmp_path / "old")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        conn.execute("drop table portal_users; drop table portal_events; update schema_version set version = 2")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        assert warehouse.schema_version(conn) == warehouse.SCHEMA_VERSION
        assert {"portal_users", "portal_events"} <= warehouse.tables(conn)


def test_the_queue_is_filtered_as_the_cli_filters(home):
    upload(signed_in(home, "hefei"), "340100", GOOD_ROW)
    auditor = signed_in(home, "shen")
    everything = auditor.get("/audit?status=").text
    assert "共 0 项" not in everything
    assert "共 0 项" in auditor.get("/audit?status=closed").text
    assert "共 0 项" in auditor.get("/audit?office=210000").text
    assert auditor.get("/audit?severity=nonsense").status_code == 400


def test_a_page_goes_before_uploads_still_waiting_for_the_warehouse():
    import threading

    turns, order, started = views.Turns(), [], threading.Event()

    def take(name: str, short: bool) -> None:
        with turns.turn(short):
            order.append(name)

    with turns.turn(short=False):  # an upload at work
        waiting = [threading.Thread(target=take, args=("upload", False)), threading.Thread(target=take,
                                                                                           args=("page", True))]
        waiting[0].start()
        started.wait(0.2)
        waiting[1].start()
        started.wait(0.2)
    for thread in waiting:
        thread.join(5)
    assert order == ["page", "upload"]


def test_a_batch_of_uploads_is_not_kept_waiting_by_pages_asked_without_pause(monkeypatch):
    import threading

    monkeypatch.setattr(views, "LONG_PATIENCE", 0.05)
    turns, batch_ran = views.Turns(), threading.Event()

    def pages() -> None:  # waiting pages polling their status, never all at rest at once
        while not batch_ran.is_set():
            with turns.turn():
                batch_ran.wait(0.001)

    askers = [threading.Thread(target=pages) for _ in range(3)]
    for asker in askers:
        asker.start()
    with turns.turn(short=False):
        batch_ran.set()
    for asker in askers:
        asker.join()
    assert batch_ran.is_set()


def test_pages_are_answered_while_a_batch_holds_the_writers_turn_and_show_only_what_it_committed(home):
    """A batch of uploads takes seconds at the warehouse. Pages only read, so they do not wait for it: each reads in
    a snapshot of its own, and shows a submission the batch is still writing only once it is committed."""
    import threading

    upload(signed_in(home, "hefei"), "340100", GOOD_ROW)
    office, auditor = signed_in(home, "hefei"), signed_in(home, "shen")
    before = office.get("/regions/340100").text.count("/regions/340100/submissions/")
    answered: list = []
    with views.TURNS.turn(short=False), warehouse.connect(home.warehouse) as batch:  # a batch at work
        batch.begin()
        batch.execute("insert into submissions by name select * replace (submission_id + 100 as submission_id, "
                      "'新的.csv' as file_name) from submissions")
        asking = threading.Thread(target=lambda: answered.extend(
            [office.get("/regions/340100"), auditor.get("/audit"), office.get("/regions/340100/submissions/1")]))
        asking.start()
        asking.join(120)
        while_held = list(answered)
        batch.commit()
    asking.join()
    assert [r.status_code for r in while_held] == [200, 200, 200]
    assert "新的.csv" not in while_held[0].text  # not yet committed
    assert "新的.csv" in office.get("/regions/340100").text
    assert office.get("/regions/340100").text.count("/regions/340100/submissions/") > before


def test_a_page_that_tried_to_write_would_fail_rather_than_race_a_writer(home):
    import duckdb

    with views.reading(home) as conn, pytest.raises(duckdb.TransactionException, match="read-only"):
        conn.execute("delete from portal_events")


def test_an_administrator_assigns_a_user_another_region_which_applies_at_once(home):
    office, admin = signed_in(home, "hefei"), signed_in(home, "root")
    reply = admin.post("/admin/users/hefei/assignment", data={"csrf": token(admin, "/admin/users"),
                                                              "role": "office", "region_code": "340102"})
    assert reply.status_code == 200 and "已将 hefei 改为报送单位" in reply.text
    # the session signed for the old region ends: the user signs in again, for the new one
    assert office.get("/regions/340100").headers["location"] == "/login"
    again = signed_in(home, "hefei")
    assert again.get("/regions/340100").status_code == 403
    assert again.get("/").headers["location"] == "/regions/340102"
    assert ("root", "user_assign", "ok") in events(home)


def test_an_administrator_cannot_reassign_themselves(home):
    admin = signed_in(home, "root")
    reply = admin.post("/admin/users/root/assignment", data={"csrf": token(admin, "/admin/users"),
                                                             "role": "office", "region_code": "340100"})
    assert reply.status_code == 400 and signed_in(home, "root").get("/").headers["location"] == "/admin/users"


def test_a_decided_finding_leads_to_the_next_open_one(home):
    upload(signed_in(home, "hefei"), "340100", GOOD_ROW)
    auditor = signed_in(home, "shen")
    auditor.post("/audit/findings/1/decision", data={"csrf": token(auditor, "/audit"), "decision": "override",
                                                     "reason": "口径调整"})
    assert 'href="/audit/findings/2"' in auditor.get("/audit/findings/1?decided").text


def test_a_request_naming_another_host_is_refused_before_any_page(home):
    """A forged Host header never reaches the pages (its links and redirects would name that host)."""
    app = web.app(home, allowed_hosts=web.host_names("10.1.2.3", ["ipr.example.gov.cn"]))
    for base, status in (("http://evil.example", 400), ("http://ipr.example.gov.cn", 200),
                         ("http://10.1.2.3:8000", 200), ("http://localhost:8000", 200)):
        reply = TestClient(app, base_url=base).get("/login")
        assert reply.status_code == status, base
        # the refusal too carries every security header (it carried none)
        assert {"content-security-policy", *security.HEADERS} <= set(reply.headers), base


def test_listening_on_every_address_asks_for_the_portals_names(home, capsys):
    assert cli.main(["--home", str(home.home), "web", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--allowed-host" in capsys.readouterr().err
    assert web.host_names("0.0.0.0", ["ipr.example.gov.cn"]) == ["ipr.example.gov.cn", *web.LOOPBACK_NAMES]


def test_an_upload_s_status_is_answered_while_a_batch_holds_the_warehouse(home, monkeypatch):
    """The waiting page asks every half second. From a session the warehouse confirmed moments ago its answer takes
    no turn at the warehouse, so offices asking never hold up the batch they wait for; a session confirmed longer
    ago than SESSION_RECHECK_SECONDS is checked there again, and one ended by a password reset is refused."""
    import threading

    monkeypatch.setenv("IPWATCH_PORTAL_WINDOW_SECONDS", "60")  # no gatherer runs here: the upload stays waiting
    office = signed_in(home, "hefei")
    reply = office.post("/regions/340100/submissions", data={"csrf": token(office, "/regions/340100")},
                        files={"file": ("合肥.csv", GOOD_ROW, "text/csv")})
    waiting = reply.headers["location"]
    assert "/uploads/" in waiting
    assert office.get(f"{waiting}/status").json() == {"state": "waiting", "place": 1}  # confirmed in the warehouse
    answered: list[dict] = []
    with views.TURNS.turn(short=False):  # a batch holds the warehouse
        asking = threading.Thread(target=lambda: answered.append(office.get(f"{waiting}/status").json()))
        asking.start()
        asking.join(120)
        while_held = list(answered)
    asking.join()
    assert while_held == [{"state": "waiting", "place": 1}]

    monkeypatch.setattr(web, "SESSION_RECHECK_SECONDS", 0.0)
    with warehouse.connect(home.warehouse) as conn:
        users.set_password(conn, "hefei", "another horse battery")
    assert office.get(f"{waiting}/status").status_code == 401


def test_password_checks_run_as_many_at_once_as_the_machine_has_cores(monkeypatch):
    """Each check takes argon2's 64 MiB: offices signing in together queue for a core rather than take gigabytes."""
    import os
    import threading
    import time

    from argon2 import PasswordHasher

    running, most, lock = [0], [0], threading.Lock()

    class Counting(PasswordHasher):
        def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            try:
                return super().verify(hash, password)
            finally:
                with lock:
                    running[0] -= 1

    found = {"password_hash": users.HASHER.hash(PASSWORD)}
    monkeypatch.setattr(users, "HASHER", Counting())
    answers: list[bool] = []
    signing_in = [threading.Thread(target=lambda: answers.append(users.verify(found, PASSWORD)))
                  for _ in range(4 * (os.cpu_count() or 1))]
    for thread in signing_in:
        thread.start()
    for thread in signing_in:
        thread.join()
    assert answers == [True] * len(signing_in) and most[0] == (os.cpu_count() or 1)


def test_a_request_that_found_the_warehouse_s_memory_full_is_run_again_whole(monkeypatch):
    """A page reads beside a national batch, sharing DuckDB's one memory limit: out of memory, it runs again after
    a pause (its transaction ended with the failure), and fails only once PATIENCE is spent."""
    import duckdb

    monkeypatch.setattr(views, "PATIENCE", (0.0, 0.0))
    tries = []

    def page() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block")
        return "answered"

    assert views.patiently(page)() == "answered" and len(tries) == 3
    tries.clear()
    monkeypatch.setattr(views, "PATIENCE", (0.0,))
    with pytest.raises(duckdb.OutOfMemoryException):
        views.patiently(page)()
    assert len(tries) == 2


def test_telling_the_waiting_pages_after_their_loop_closed_is_quiet_and_a_new_loop_is_told():
    """The gatherer's thread tells the waiting questions after each batch; a server stopping (its loop closed) must
    not end that thread, and questions on another loop (a test client's next request) are told on theirs."""
    import asyncio

    decided = web.Decided()

    async def ask() -> asyncio.Event:
        return decided.current()

    first = asyncio.new_event_loop()
    first.run_until_complete(ask())
    first.close()
    decided.tell()  # raised RuntimeError('Event loop is closed') in the gatherer's thread

    async def told() -> bool:
        event = decided.current()
        decided.tell()
        await asyncio.wait_for(event.wait(), 60)
        return event.is_set()

    assert asyncio.run(told())


def test_every_page_names_the_user_s_region_as_the_warehouse_does(home):
    """The menu's region is region_names' full name (a county with its city's), read once a process, not the bare
    county name that repeats across the country."""
    with warehouse.connect(home.warehouse) as conn:
        users.add(conn, "baohe", "office", "340111", PASSWORD, "test")
        (expected,) = conn.execute("select full_name from region_names where region_code = '340111'").fetchone()
    assert expected == "合肥市包河区"
    office = signed_in(home, "baohe")
    for path in ("/regions/340111", "/regions/340111/submissions"):
        assert f"报送单位 · {expected}" in re.sub(r"\s+", " ", office.get(path).text)
