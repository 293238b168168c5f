"""The portal (联网直报): `ipwatch web`, a Starlette application served by uvicorn.

Routes only: who may ask (checked on the server for every request), what to show (ipwatch/portal/views.py, audit.py,
users.py), which template lays it out. Every form carries the session's CSRF token; every POST is refused
without it. The warehouse is taken per request, briefly, never held while idle: a page reads beside whatever
else runs (views.reading), a change takes the one writer's turn (views.connect).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ipwatch import approval, audit, config, pages, warehouse
from ipwatch.domain import labels, periods
from ipwatch.domain.signoff import ACTION_NAMES, Refused
from ipwatch.plans import adding, documents
from ipwatch.portal import gather, plan_review, review, security, users, views

STATIC = {"style.css": config.TEMPLATES_DIR / "style.css", "portal.css": config.ROOT / "reports/static/portal.css",
          "portal.js": config.ROOT / "reports/static/portal.js"}
UPLOAD_PATHS = re.compile(r"/regions/[0-9]{6}/submissions|/admin/plans")
QUEUE_ROWS = 300
HOLD_SECONDS = 25.0  # the longest a waiting page's question is held (upload_state)
STATES = {"on_time": "已按时报送", "late": "逾期报送", "due": "待报送", "overdue": "逾期未报", "correction": "待更正"}
EXPLANATIONS = {"confirm": "属实，按报送值", "override": "视为正常值", "correct-requested": "要求报送单位更正"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATES = pages.environment()
# Who is told of decisions on a finding: called with the connection and the findings' ids, after they are logged.
Notice = Callable[[object, list[int]], object]


def page(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    """A portal page rendered with the signed-in user, the CSRF token and the Chinese labels."""
    html = TEMPLATES.get_template(f"portal/{name}.html.j2").render(
        csrf=security.csrf_token(request.session), roles=users.ROLES, statuses=labels.OUTCOMES,
        kept_label=labels.KEPT, reviewer=review.reviews(context.get("user")), **context)
    return HTMLResponse(html, status_code=status)


def message(request: Request, status: int, title: str, text: str, user: dict | None = None) -> HTMLResponse:
    """A page saying one thing (a refusal, an error) with its status code."""
    return page(request, "message", status, title=title, message=text, user=user)


def workspace(request: Request) -> config.Workspace:
    return request.app.state.ws


def client(request: Request) -> str:
    return request.client.host if request.client else "-"


def session_user(request: Request, conn) -> dict | None:
    """The signed-in user, read from the warehouse on every request; a session of a user removed, signed before
    the password, role or region changed, logged out (its cookie kept by a shared computer) or past its life, ends
    here."""
    name = request.session.get("user")
    found = users.user(conn, name) if name else None
    if found is None or users.stamp(found) != request.session.get("stamp") \
            or users.session_ended(conn, name, request.session.get("sid")):
        _confirmed.pop(session_key(request), None)
        if name:
            request.session.clear()
        return None
    user = {key: value for key, value in found.items() if key != "password_hash"}  # pages never need it
    user["region_name"] = views.full_name(conn, user["region_code"])
    _confirmed[session_key(request)] = (time.monotonic(), user)
    return user


# Sessions the warehouse confirmed, with when: the waiting page's question (`guarded_briefly`) trusts one confirmed
# within SESSION_RECHECK_SECONDS. Fifty offices asking every half second would otherwise each take the warehouse's
# one turn, ahead of the batch they wait for. A session ended meanwhile (a user removed, a logout elsewhere) is
# refused by that question at most so much later; what it tells is where the office's own upload stands.
SESSION_RECHECK_SECONDS = 10.0
_confirmed: dict[tuple, tuple[float, dict]] = {}


def session_key(request: Request) -> tuple:
    return request.session.get("user"), request.session.get("stamp"), request.session.get("sid")


async def guarded_briefly(request: Request, roles: set[str], work: Callable, region: str | None = None) -> tuple:
    """As `guarded`, for a question that needs no warehouse (`work(user)`: a file or two read): from a session
    confirmed within SESSION_RECHECK_SECONDS without a turn at the warehouse, and then answered on the event loop,
    else confirmed there now. On the loop, not in a thread: after each batch of a national quarter every waiting
    office asks at once, and each question took one of the thread pool's places that pages wait for, then the
    GIL back from whichever thread had it."""
    confirmed = _confirmed.get(session_key(request))
    if confirmed is None or time.monotonic() - confirmed[0] > SESSION_RECHECK_SECONDS:
        return await guarded(request, roles, lambda conn, user: work(user), region=region)
    user = confirmed[1]
    try:
        if user["role"] not in roles:
            raise views.Forbidden(request.url.path)
        if region is not None:
            views.allowed(user, region)
    except (views.Forbidden, audit.OutOfRegion) as refusal:
        refusal.user = user
        raise
    return user, work(user)


async def guarded(request: Request, roles: set[str], work: Callable, region: str | None = None,
                  writing: bool = False) -> tuple:
    """(user, work(conn, user)) for a signed-in user of one of `roles` (and, for an office, a region within its
    jurisdiction), reading the warehouse, or `writing` in one short turn; (None, None) when nobody is signed in."""
    @views.patiently
    def run() -> tuple:
        with (views.connect if writing else views.reading)(workspace(request)) as conn:
            user = session_user(request, conn)
            if user is None:
                return None, None
            try:
                if user["role"] not in roles:
                    raise views.Forbidden(request.url.path)
                if region is not None:
                    views.allowed(user, region)
                return user, work(conn, user)
            except (views.Forbidden, audit.OutOfRegion) as refusal:
                refusal.user = user  # the refusal page keeps the user's own menu
                raise
    return await run_in_threadpool(run)


async def posted(request: Request, **limits: int) -> FormData:
    """A POSTed form, refused (403) unless it comes from this site and returns the session's CSRF token."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "跨站请求被拒绝 (cross-site request refused)")
    form = await request.form(**limits)
    if not security.csrf_valid(request.session, form.get("csrf")):
        raise HTTPException(403, "页面已过期或请求不是来自本站，请刷新页面后重试 (CSRF token missing or wrong)")
    return form


async def act(request: Request, roles: set[str], work: Callable, region: str | None = None,
              **limits: int) -> tuple:
    """A POST: who asks is checked before the body is read, the form's CSRF token next, then
    `work(conn, user, form)` runs in one turn at the warehouse; (None, None) when nobody is signed in."""
    user, _ = await guarded(request, roles, lambda conn, user: None, region=region)
    if user is None:
        return None, None
    form = await posted(request, **limits)
    return await guarded(request, roles, lambda conn, user: work(conn, user, form), region=region, writing=True)


def to_login() -> RedirectResponse:
    return RedirectResponse("/login", 303)


async def home(request: Request) -> Response:
    """Each role's own first page."""
    user, _ = await guarded(request, set(users.ROLES), lambda conn, user: None)
    if user is None:
        return to_login()
    first = {"office": f"/regions/{user['region_code']}" if user["region_code"] else "/login",
             "auditor": "/audit", "admin": "/admin/users"}
    return RedirectResponse(first[user["role"]], 303)


async def login_page(request: Request) -> Response:
    return page(request, "login", user=None, throttle=users.THROTTLE_USER)


async def login(request: Request) -> Response:
    """Check a password, unless this name or address failed too often lately; every attempt is logged."""
    form = await posted(request)
    name, password = str(form.get("user_name", "")).strip()[:64], str(form.get("password", ""))
    ws, address = workspace(request), client(request)

    def prior() -> tuple[bool, dict | None]:
        with views.connect(ws) as conn:
            if users.throttled(conn, name, address):
                users.record(conn, name, "login", "throttled", client=address)
                return True, None
            return False, users.user(conn, name)

    throttled, found = await run_in_threadpool(prior)
    if throttled:
        return page(request, "login", 429, user=None, user_name=name, throttle=users.THROTTLE_USER,
                    message="登录失败次数过多，请 15 分钟后再试或联系管理员 (too many failed logins)")
    ok = await run_in_threadpool(users.verify, found, password)  # argon2: slow on purpose, outside the warehouse
    if not ok:
        await run_in_threadpool(record, ws, name, "login", "failed", None, address)
        return page(request, "login", 401, user=None, user_name=name, throttle=users.THROTTLE_USER,
                    message="用户名或密码错误 (wrong user name or password)")
    # sid: the session's own id, logged with its login and its logout: the server, not the cookie, says whether a
    # session still lives (users.session_ended)
    session_id = secrets.token_urlsafe(16)
    await run_in_threadpool(record, ws, found["user_name"], "login", "ok", session_id, address)
    request.session.clear()
    request.session.update(user=found["user_name"], stamp=users.stamp(found), sid=session_id)
    security.csrf_token(request.session)  # a fresh token for the new session
    return RedirectResponse("/", 303)


def record(ws: config.Workspace, user_name: str | None, action: str, outcome: str, detail: str | None,
           address: str) -> None:
    """Append one event to the portal's log, in a turn of its own."""
    with views.connect(ws) as conn:
        users.record(conn, user_name, action, outcome, detail, address)


async def logout(request: Request) -> Response:
    await posted(request)
    name, session_id = request.session.get("user"), request.session.get("sid")
    _confirmed.pop(session_key(request), None)
    request.session.clear()
    if name:
        await run_in_threadpool(record, workspace(request), name, "logout", "ok", session_id, client(request))
    return to_login()


async def region_home(request: Request) -> Response:
    """An office's page for one region: its calendar, the form to download, the upload, recent submissions."""
    code = request.path_params["code"]
    until = request.query_params.get("to") or None

    def work(conn, user) -> dict:
        calendar = views.calendar(conn, code, last=until)
        return {"calendar": calendar, "due_day": views.due_day(calendar),
                "signoff": review.office_quarters(conn, code, [q["period"] for q in calendar]),
                "submissions": views.submissions(conn, code)[:10], "decisions": views.decisions(conn, code)[:20]}

    user, found = await guarded(request, {"office"}, work, region=code)
    if user is None:
        return to_login()
    submitted = request.query_params.get("submitted")
    return page(request, "region", user=user, region={"region_code": code, "name": views.region_name(code)},
                regions=views.plan_regions(user["region_code"]), states=STATES,
                submitted=periods.quarter_label(submitted) if submitted in found["signoff"] else None,
                max_bytes=views.limit_bytes(), max_mb=views.limit_bytes() // 1048576, **found)


def step_event(conn, request: Request, user: dict, action: str, region: str, quarter: str,
               refusal: str | None = None) -> None:
    """A sign-off step tried in the portal, logged as a portal event: done, or refused with its reason."""
    detail = f"{region} {quarter}" + (f" {refusal}" if refusal else "")
    users.record(conn, user["user_name"], f"approval_{action}", "refused" if refusal else "ok", detail[:300],
                 client(request))


def told(request: Request, rows: list[dict]) -> None:
    """Tell the offices concerned of the steps just taken (a return: the notify path `ipwatch web` was given)."""
    on_step = request.app.state.on_step
    for row in rows if on_step else []:
        on_step(row)


async def office_submit(request: Request) -> Response:
    """The office's 上报 of its own region's quarter (approval.act); with open findings its reason is the
    override's. A refusal says why in one line and logs nothing in approval_log."""
    code = request.path_params["code"]

    def work(conn, user: dict, form: FormData) -> tuple[dict | None, str | None]:
        quarter = periods.quarter_argument(str(form.get("quarter", "")))
        try:
            row = approval.act(conn, "submit", code, quarter, user["region_code"], user["user_name"],
                               role=user["role"], reason=str(form.get("reason", "")))
        except Refused as why:
            step_event(conn, request, user, "submit", code, quarter, str(why))
            return None, str(why)
        step_event(conn, request, user, "submit", code, quarter)
        return row, None

    user, found = await act(request, {"office"}, work, region=code)
    if user is None:
        return to_login()
    row, refusal = found
    if refusal:
        return message(request, 400, "未能上报", refusal, user)
    return RedirectResponse(f"/regions/{code}?to={row['quarter']}&submitted={row['quarter']}", 303)


async def review_page(request: Request) -> Response:
    """A city's or province's reviewer page: its regions × the last quarters, each cell's state."""
    until = request.query_params.get("to") or None

    def work(conn, user) -> dict:
        if not review.reviews(user):
            raise views.Forbidden(request.url.path)
        quarters = review.last_quarters(until)
        return {"quarters": quarters, "rows": review.matrix(conn, user["region_code"], quarters),
                "deadlines": review.deadlines(conn, user["region_code"], quarters),
                "overrides": review.overrides(conn, user["region_code"])[:20]}

    user, found = await guarded(request, {"office"}, work)
    if user is None:
        return to_login()
    first, last = found["quarters"][0], found["quarters"][-1]
    latest = review.last_quarters(None)[-1]
    return page(request, "review", user=user, label=periods.quarter_label, action_names=ACTION_NAMES,
                earlier=periods.previous_quarter(first),
                later=periods.next_quarter(last) if periods.index(last) < periods.index(latest) else None, **found)


async def review_region(request: Request) -> Response:
    """One region's quarter opened by its reviewer: values against the last quarter, open findings, every step."""
    code, quarter = request.path_params["region"], request.path_params["quarter"]

    def work(conn, user) -> dict:
        if not review.reviews(user):
            raise views.Forbidden(request.url.path)
        return review.detail(conn, user["region_code"], code, quarter)

    user, found = await guarded(request, {"office"}, work, region=code)
    if user is None:
        return to_login()
    return page(request, "review_region", user=user, region={"region_code": code, "name": views.region_name(code)},
                action_names=ACTION_NAMES, **found)


async def review_act(request: Request) -> Response:
    """Steps on the region-quarters a reviewer chose, each through approval.act in a transaction of its own; the
    page lists those done and those refused with why. One outside the office's jurisdiction refuses the whole
    request (403) before anything is done."""
    def work(conn, user: dict, form: FormData) -> tuple[list[dict], list[dict]]:
        if not review.reviews(user):
            raise views.Forbidden(request.url.path)
        action = str(form.get("action", ""))
        if action not in review.REVIEW_ACTIONS:
            raise ValueError(f"未知操作 (unknown action): {action[:20]}")
        items = review.chosen([str(i) for i in form.getlist("item")], user["region_code"])
        done, refused = review.act_many(conn, user, action, items, str(form.get("reason", "")))
        for row in done:
            step_event(conn, request, user, action, row["region_code"], row["quarter"])
        for r in refused:
            step_event(conn, request, user, action, r["region_code"], r["quarter"], r["reason"])
        return done, refused

    user, found = await act(request, {"office"}, work)
    if user is None:
        return to_login()
    done, refused = found
    await run_in_threadpool(told, request, done)
    return page(request, "review_result", user=user, done=done, refused=refused, action_names=ACTION_NAMES,
                names={code: views.region_name(code) for code in {r["region_code"] for r in [*done, *refused]}})


async def template_download(request: Request) -> Response:
    """The region's Excel form for a quarter (`ipwatch template`), as a download."""
    from ipwatch.intake import template

    code = request.path_params["code"]
    user, _ = await guarded(request, {"office"}, lambda conn, user: None, region=code)
    if user is None:
        return to_login()
    try:
        quarter = periods.quarter_argument(request.query_params.get("period", ""))
    except ValueError as exc:
        return message(request, 400, "报告期有误", str(exc), user)
    with tempfile.TemporaryDirectory() as folder:
        path = await run_in_threadpool(template.write_template, Path(folder) / "form.xlsx", code, quarter)
        content = path.read_bytes()
    return Response(content, media_type=XLSX,
                    headers={"content-disposition": f'attachment; filename="{code}-{quarter}.xlsx"'})


async def upload(request: Request) -> Response:
    """A file submitted for a region: kept and queued for the next batch (gather.py), then to its waiting page,
    which turns into its receipt (303: a reload shows the page again rather than sending the file twice). With
    IPWATCH_PORTAL_WINDOW_SECONDS=0 it goes through the pipeline at once, alone, and straight to its receipt."""
    code = request.path_params["code"]
    user, _ = await guarded(request, {"office"}, lambda conn, user: None, region=code)
    if user is None:
        return to_login()
    form = await posted(request, max_files=1, max_fields=4)
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return message(request, 400, "未选择文件", "请先选择要上传的报表文件", user)
    ws, gathering = workspace(request), config.settings().portal_window_seconds > 0
    try:
        result = await run_in_threadpool(gather.enqueue if gathering else views.submit, ws, sent.file, sent.filename,
                                         code, user["user_name"], client(request))
    except views.TooLarge:
        return message(request, 413, "文件过大", f"文件超过 {views.limit_bytes() // 1048576} MB，未接收", user)
    finally:
        await sent.close()
    if gathering:
        request.app.state.gatherer.start()
        return RedirectResponse(f"/regions/{code}/uploads/{result}", 303)
    if result["submission_id"] is None:  # not even copied in: nothing to come back to
        return page(request, "receipt", user=user, result=result,
                    region={"region_code": code, "name": views.region_name(code)})
    return RedirectResponse(f"/regions/{code}/submissions/{result['submission_id']}", 303)


def upload_status(request: Request, code: str, ticket: str) -> dict:
    """Where an upload for region `code` stands (gather.status); an unknown ticket, or another region's, is 404."""
    found = gather.status(workspace(request), ticket)
    if found is None or found["office"] != code:
        raise HTTPException(404, "没有这份上传 (no such upload)")
    return found


def receipt_address(code: str, ticket: str, found: dict) -> str:
    """Where a decided upload's receipt is: its submission's page, or (never copied in) its waiting page."""
    sid = found["submission_id"]
    return f"/regions/{code}/submissions/{sid}" if sid is not None else f"/regions/{code}/uploads/{ticket}"


async def upload_waiting(request: Request) -> Response:
    """An upload's waiting page: 处理中 with its place until decided, then its receipt."""
    code, ticket = request.path_params["code"], request.path_params["ticket"]
    user, found = await guarded(request, {"office"}, lambda conn, user: upload_status(request, code, ticket),
                                region=code)
    if user is None:
        return to_login()
    region = {"region_code": code, "name": views.region_name(code)}
    if found["state"] == "waiting":
        return page(request, "upload_waiting", user=user, region=region, ticket=ticket, place=found["place"],
                    file_name=found["file_name"])
    if found["submission_id"] is None:  # not even copied in: its outcome is all there is
        return page(request, "receipt", user=user, result=found, region=region)
    return RedirectResponse(receipt_address(code, ticket, found), 303)


class Decided:
    """Tells the waiting pages' questions that a batch was decided: the gatherer's thread calls `tell`, a question
    on the event loop awaits the event it took before it looked (a batch decided in between has set it)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None

    def current(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # the first question binds it to the server's loop (a test client's may change)
            self.loop, self.event = loop, asyncio.Event()
        return self.event

    def tell(self) -> None:
        with suppress(RuntimeError):  # the loop has closed (the server stops): nobody is waiting
            if self.loop is not None:
                self.loop.call_soon_threadsafe(self.next)

    def next(self) -> None:
        told, self.event = self.event, asyncio.Event()
        told.set()


async def upload_state(request: Request) -> Response:
    """The waiting page's question, as JSON: {state: waiting, place} or {state: done, receipt}; the session and
    the office's jurisdiction are checked as for any office page. With `?wait=S` (at most HOLD_SECONDS) an upload
    still waiting is answered when a batch has been decided or S seconds have passed, whichever comes first: the
    page learns of its receipt the moment it is ready, and hundreds of offices waiting ask once a batch instead of
    once a second."""
    code, ticket = request.path_params["code"], request.path_params["ticket"]
    decided = request.app.state.decided.current()  # before looking: a batch decided after this is heard
    found = await state_of(request, code, ticket)
    hold = min(HOLD_SECONDS, float(request.query_params.get("wait") or 0))
    if found[1] is not None and found[1]["state"] == "waiting" and hold > 0:
        with suppress(TimeoutError):
            await asyncio.wait_for(decided.wait(), hold)
        found = await state_of(request, code, ticket)
    user, found = found
    if user is None:
        return JSONResponse({"state": "signed_out"}, 401)
    if found["state"] == "waiting":
        return JSONResponse({"state": "waiting", "place": found["place"]})
    return JSONResponse({"state": "done", "status": found["status"],
                         "receipt": receipt_address(code, ticket, found)})


async def state_of(request: Request, code: str, ticket: str) -> tuple:
    return await guarded_briefly(request, {"office"}, lambda user: upload_status(request, code, ticket), region=code)


async def office_page(request: Request, name: str, key: str, work: Callable) -> Response:
    """An office's page about the region in its path: what `work(conn, user)` finds, laid out by `name` as `key`."""
    code = request.path_params["code"]
    user, found = await guarded(request, {"office"}, work, region=code)
    if user is None:
        return to_login()
    return page(request, name, user=user, region={"region_code": code, "name": views.region_name(code)},
                **{key: found})


async def receipt(request: Request) -> Response:
    """A submission's receipt, at its own address: where an upload lands, and what the history links to; with the
    auditors' decisions on its values since."""
    code, submission_id = request.path_params["code"], request.path_params["submission_id"]

    def work(conn, user) -> dict:
        return {"result": views.receipt(workspace(request), conn, code, submission_id),
                "decisions": views.decisions(conn, code, submission_id)}

    user, found = await guarded(request, {"office"}, work, region=code)
    if user is None:
        return to_login()
    return page(request, "receipt", user=user, region={"region_code": code, "name": views.region_name(code)},
                **found)


async def submissions(request: Request) -> Response:
    """The submission history of an office's region and those under it, with their audit state."""
    code = request.path_params["code"]
    return await office_page(request, "submissions", "submissions", lambda conn, user: views.submissions(conn, code))


async def bulletin_list(request: Request) -> Response:
    """The bulletins of the plans of an office's region and those under it."""
    code = request.path_params["code"]
    return await office_page(request, "bulletins", "entries",
                             lambda conn, user: views.bulletins(workspace(request), conn, code))


async def bulletin_file(request: Request) -> Response:
    """One bulletin (or its annex or a county page), served with a CSP that allows its own inline CSS and
    script by hash and nothing else."""
    code, name = request.path_params["code"], request.path_params["name"]
    ws = workspace(request)
    user, path = await guarded(request, {"office"}, lambda conn, user: views.bulletin_file(ws, conn, code, name),
                               region=code)
    if user is None:
        return to_login()
    if path.suffix == ".xlsx":
        return FileResponse(path, media_type=XLSX, filename=path.name)
    html = path.read_text("utf-8")
    return HTMLResponse(html, headers={"content-security-policy": security.document_csp(html)})


def audit_filters(request: Request) -> audit.Filters:
    """The queue's filters from the query string; status defaults to open, an empty field means all."""
    query = request.query_params
    values = {name: (query.get(name) or "").strip() or None for name in audit.FILTERS}
    if "status" not in query:
        values["status"] = "open"
    return audit.Filters(**values)


async def queue(request: Request) -> Response:
    """The auditor's queue: findings with their context, filtered, open first."""
    filters = audit_filters(request)
    user, found = await guarded(request, {"auditor"}, lambda conn, user: audit.queue_page(
        conn, filters, user["region_code"], QUEUE_ROWS))
    if user is None:
        return to_login()
    total, shown = found
    return page(request, "queue", user=user, filters=filters, total=total, shown=shown,
                severities=labels.SEVERITIES, rules=labels.RULES)


def finding_context(conn, finding_id: int, scope: str | None) -> dict:
    """One finding within the auditor's region `scope` with its decisions, and its region's values of the
    indicator over the quarters."""
    from ipwatch.audit import history

    found = audit.show(conn, finding_id, scope)
    versions = []
    if found["region_code"] and found["indicator_code"]:
        versions = history.chain(conn, found["region_code"], found["indicator_code"])[:12]
    return {"f": found, "history_rows": versions, "next_id": audit.next_open(conn, finding_id, scope)}


async def finding(request: Request) -> Response:
    finding_id = request.path_params["finding_id"]
    user, found = await guarded(request, {"auditor"},
                                lambda conn, user: finding_context(conn, finding_id, user["region_code"]))
    if user is None:
        return to_login()
    return page(request, "finding", user=user, decisions=labels.DECISIONS, explanations=EXPLANATIONS,
                decided="decided" in request.query_params, **found)


async def decide(request: Request) -> Response:
    """An auditor's decision on a finding of its region, appended to the audit log under the auditor's own name;
    another region's finding is refused (403) with nothing appended."""
    finding_id = request.path_params["finding_id"]

    def work(conn, user: dict, form: FormData) -> dict:
        decision, reason = str(form.get("decision", "")), str(form.get("reason", ""))
        row = audit.decide(conn, finding_id, decision, reason, user["user_name"], scope=user["region_code"])
        users.record(conn, user["user_name"], "decide", row["decision"], f"#{finding_id} {reason.strip()[:200]}",
                     client(request))
        if request.app.state.notice is not None:  # the office is told (ipwatch/ops/notify.py, given by `ipwatch web`)
            request.app.state.notice(conn, [finding_id])
        return row

    user, _ = await act(request, {"auditor"}, work)
    return to_login() if user is None else RedirectResponse(f"/audit/findings/{finding_id}?decided", 303)


async def audit_report(request: Request) -> Response:
    """The auditor's report (`ipwatch audit report`), rendered now, with the queue's filters."""
    filters = audit_filters(request)
    user, html = await guarded(request, {"auditor"},
                               lambda conn, user: audit.report_html(conn, filters, scope=user["region_code"],
                                                                   by=user["user_name"]))
    if user is None:
        return to_login()
    return HTMLResponse(html, headers={"content-security-policy": security.document_csp(html)})


async def user_admin(request: Request, note: str | None = None, status: int = 200) -> Response:
    user, rows = await guarded(request, {"admin"}, lambda conn, user: users.listed(conn))
    if user is None:
        return to_login()
    return page(request, "users", status, user=user, users=rows, message=note, min_password=users.MIN_PASSWORD)


async def user_add(request: Request) -> Response:
    """An administrator creates a user."""
    def work(conn, user: dict, form: FormData) -> dict:
        fields = {k: str(form.get(k, "")).strip() for k in ("user_name", "role", "region_code")}
        made = users.add(conn, fields["user_name"], fields["role"], fields["region_code"] or None,
                         str(form.get("password", "")), by=user["user_name"])
        users.record(conn, user["user_name"], "user_add", "ok", f"{made['user_name']} {made['role']} "
                     f"{made['region_code'] or ''}", client(request))
        return made

    admin, made = await act(request, {"admin"}, work)
    return to_login() if admin is None else await user_admin(request, f"已开设用户 {made['user_name']}", 201)


async def user_password(request: Request) -> Response:
    """An administrator sets a user's new password (which ends that user's sessions)."""
    name = request.path_params["name"]

    def work(conn, user: dict, form: FormData) -> None:
        users.set_password(conn, name, str(form.get("password", "")))
        users.record(conn, user["user_name"], "password_reset", "ok", name, client(request))

    admin, _ = await act(request, {"admin"}, work)
    return to_login() if admin is None else await user_admin(request, f"已重置 {name} 的密码")


async def user_assignment(request: Request) -> Response:
    """An administrator assigns a user another role or region (not their own: an administrator cannot lock
    themselves out)."""
    name = request.path_params["name"]

    def work(conn, user: dict, form: FormData) -> dict:
        if name == user["user_name"]:
            raise ValueError("不能更改自己的角色或地区 (you cannot reassign yourself)")
        made = users.assign(conn, name, str(form.get("role", "")), str(form.get("region_code", "")).strip() or None)
        users.record(conn, user["user_name"], "user_assign", "ok", f"{name} {made['role']} {made['region_code'] or ''}",
                     client(request))
        return made

    admin, made = await act(request, {"admin"}, work)
    return to_login() if admin is None else await user_admin(request, f"已将 {name} 改为{users.ROLES[made['role']]}")


async def plan_list(request: Request) -> Response:
    """The administrators' plan reviews: a plan document to upload, the reviews under way."""
    ws = workspace(request)
    user, _ = await guarded(request, {"admin"}, lambda conn, user: None)
    if user is None:
        return to_login()
    drafts = await run_in_threadpool(plan_review.listed, ws)
    return page(request, "plans", user=user, drafts=drafts, max_bytes=views.limit_bytes(),
                max_mb=views.limit_bytes() // 1048576)


async def plan_upload(request: Request) -> Response:
    """A plan document, streamed in under the upload limit and drafted (`plan draft`), then its review page."""
    user, _ = await guarded(request, {"admin"}, lambda conn, user: None)
    if user is None:
        return to_login()
    form = await posted(request, max_files=1, max_fields=4)
    sent, ws = form.get("file"), workspace(request)
    if not isinstance(sent, UploadFile) or not sent.filename:
        return message(request, 400, "未选择文件", "请先选择规划文件", user)
    try:
        draft_id = await run_in_threadpool(plan_review.store_upload, ws, sent.file, sent.filename)
    except views.TooLarge:
        return message(request, 413, "文件过大", f"文件超过 {views.limit_bytes() // 1048576} MB，未接收", user)
    except documents.DocumentError as why:
        return message(request, 400, "无法读取规划文件", str(why), user)
    finally:
        await sent.close()
    await run_in_threadpool(record, ws, user["user_name"], "plan_upload", "ok",
                            f"{draft_id} {views.client_name(sent.filename)}"[:300], client(request))
    return RedirectResponse(f"/admin/plans/{draft_id}", 303)


async def plan_page(request: Request) -> Response:
    """One plan's review: its document beside its draft, each target marked in its sentence."""
    user, _ = await guarded(request, {"admin"}, lambda conn, user: None)
    if user is None:
        return to_login()
    try:  # outside the warehouse's turn: reading a PDF takes a while and needs no warehouse
        found = await run_in_threadpool(plan_review.context, workspace(request), request.path_params["draft_id"])
    except plan_review.NoSuchDraft:
        return message(request, 404, "草稿不存在", "没有这份规划草稿，请从列表中选择或重新上传", user)
    return page(request, "plan_review", user=user, choices=plan_review.CHOICES, words=plan_review.WORDS,
                decisions=plan_review.DECISIONS, confidence=plan_review.CONFIDENCE, **found)


async def plan_act(request: Request) -> Response:
    """The reviewer's decisions saved, then `plan check` or `plan add` (the commands' own functions) on the
    reviewed plan; back to the review page, which shows the outcome."""
    draft_id = request.path_params["draft_id"]
    user, _ = await guarded(request, {"admin"}, lambda conn, user: None)
    if user is None:
        return to_login()
    form = await posted(request, max_fields=4000)
    action, ws = str(form.get("action", "save")), workspace(request)
    action = action if action in ("save", "check", "add") else "save"

    def work() -> str:
        plan_review.apply(ws, draft_id, form)
        if action == "check":
            return "problems" if plan_review.checked(ws, draft_id) else "ok"
        if action == "add":
            return "added" if plan_review.added(ws, draft_id).written else "refused"
        return "saved"
    try:
        outcome = await run_in_threadpool(work)
    except plan_review.NoSuchDraft:
        return message(request, 404, "草稿不存在", "没有这份规划草稿，请从列表中选择或重新上传", user)
    except adding.AddError as why:  # its id or document name is taken in the catalogue: the message says which
        await run_in_threadpool(record, ws, user["user_name"], "plan_add", "refused", draft_id, client(request))
        return message(request, 400, "未能加入目录", str(why), user)
    await run_in_threadpool(record, ws, user["user_name"], f"plan_{action}", outcome, draft_id, client(request))
    return RedirectResponse(f"/admin/plans/{draft_id}#result", 303)


async def static(request: Request) -> Response:
    path = STATIC.get(request.path_params["name"])
    if path is None:
        raise HTTPException(404)
    media = "text/css" if path.suffix == ".css" else "text/javascript"
    return FileResponse(path, media_type=f"{media}; charset=utf-8",
                        headers={"cache-control": "no-cache"})


async def forbidden(request: Request, exc: Exception) -> Response:
    """403 with nothing of the data; the attempt is logged (someone trying other regions' addresses shows)."""
    user = getattr(exc, "user", None)
    await run_in_threadpool(record, workspace(request), user and user["user_name"], "forbidden", "refused",
                            f"{request.method} {request.url.path}"[:300], client(request))
    return message(request, 403, "无权访问", "您的账号无权查看或操作此项内容。", user)


async def refused(request: Request, exc: ValueError) -> Response:
    return message(request, 400, "未能办理", str(exc))


async def http_error(request: Request, exc: HTTPException) -> Response:
    titles = {403: "请求被拒绝", 404: "页面不存在", 405: "请求方式不对", 413: "文件过大"}
    return message(request, exc.status_code, titles.get(exc.status_code, "请求有误"), exc.detail)


async def crashed(request: Request, exc: Exception) -> Response:
    """500: a fault no rule foresaw, said in one line; the detail goes to the server's log (uvicorn logs the
    traceback), never to the page."""
    html = TEMPLATES.get_template("portal/message.html.j2").render(
        csrf="", roles=users.ROLES, statuses=labels.OUTCOMES, user=None, title="系统出错",
        message="服务器处理请求时出错，请稍后再试；如仍出错，请联系管理员 (internal error: please try again later)")
    return HTMLResponse(html, status_code=500)


ROUTES = [
    Route("/", home),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/regions/{code:str}", region_home),
    Route("/regions/{code:str}/template", template_download),
    Route("/regions/{code:str}/submissions", upload, methods=["POST"]),
    Route("/regions/{code:str}/submissions", submissions, methods=["GET"]),
    Route("/regions/{code:str}/submissions/{submission_id:int}", receipt),
    Route("/regions/{code:str}/uploads/{ticket:str}", upload_waiting),
    Route("/regions/{code:str}/uploads/{ticket:str}/status", upload_state),
    Route("/regions/{code:str}/signoff", office_submit, methods=["POST"]),
    Route("/regions/{code:str}/bulletins", bulletin_list),
    Route("/regions/{code:str}/bulletins/{name:path}", bulletin_file),
    Route("/review", review_page, methods=["GET"]),
    Route("/review", review_act, methods=["POST"]),
    Route("/review/{region:str}/{quarter:str}", review_region),
    Route("/audit", queue),
    Route("/audit/report", audit_report),
    Route("/audit/findings/{finding_id:int}", finding),
    Route("/audit/findings/{finding_id:int}/decision", decide, methods=["POST"]),
    Route("/admin/users", user_admin, methods=["GET"]),
    Route("/admin/users", user_add, methods=["POST"]),
    Route("/admin/users/{name:str}/password", user_password, methods=["POST"]),
    Route("/admin/users/{name:str}/assignment", user_assignment, methods=["POST"]),
    Route("/admin/plans", plan_list, methods=["GET"]),
    Route("/admin/plans", plan_upload, methods=["POST"]),
    Route("/admin/plans/{draft_id:str}", plan_page, methods=["GET"]),
    Route("/admin/plans/{draft_id:str}", plan_act, methods=["POST"]),
    Route("/static/{name:str}", static),
]


class Portal(Starlette):
    """Starlette with the hardening outermost of all, outside even Starlette's own last-resort 500 (which sits
    outside every middleware it is given): every response, a crash's included, carries the security headers."""

    def __init__(self, *args: object, hardening: dict, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.hardening = hardening

    def build_middleware_stack(self) -> ASGIApp:
        return security.Hardened(super().build_middleware_stack(), **self.hardening)


@asynccontextmanager
async def lifespan(application: Starlette) -> AsyncIterator[None]:
    """At start, the uploads a stopped server left waiting are decided before anything new."""
    if gather.waiting(application.state.ws):
        application.state.gatherer.start()
    yield


def app(ws: config.Workspace, secure_cookies: bool = False, allowed_hosts: list[str] | None = None,
        on_step: Callable[[dict], object] | None = None, notice: Notice | None = None,
        runner: gather.Runner | None = None) -> Starlette:
    """The portal over the workspace's warehouse; requests naming another host than `allowed_hosts` (any, when
    None) are answered 400 before anything else (a forged Host header would otherwise reach the pages).
    `on_step(row)` is told of each sign-off step taken, and `notice` tells an office of the decisions on its values
    (ops.notify's signoff_step and tell_decisions: ops sits above the portal, so the command that serves it hands
    them in). `runner` decides each batch of uploads (the `portal` flow, from the command; else gather.decide)."""
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or ["*"], www_redirect=False),
        Middleware(SessionMiddleware, secret_key=security.secret_key(ws), session_cookie="ipwatch_session",
                   max_age=int(users.SESSION_LIFE.total_seconds()), same_site="strict", https_only=secure_cookies),
    ]
    handlers = {views.Forbidden: forbidden, audit.OutOfRegion: forbidden, ValueError: refused,
                HTTPException: http_error, Exception: crashed}
    application = Portal(routes=ROUTES, middleware=middleware, exception_handlers=handlers, lifespan=lifespan,
                         hardening={"upload_limit": views.limit_bytes(), "upload_paths": UPLOAD_PATHS})
    application.state.ws, application.state.on_step, application.state.notice = ws, on_step, notice
    application.state.gatherer, application.state.decided = gather.Gatherer(ws, runner), Decided()
    application.state.gatherer.listeners.append(application.state.decided.tell)
    return application


LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"]
WILDCARDS = {"0.0.0.0", "::", ""}


def host_names(host: str, allowed: list[str]) -> list[str]:
    """The names the portal answers to: those allowed, the address it listens on, and loopback's. Listening on
    every address asks for its names (a reverse proxy's, the office network's), as nothing else tells them."""
    if host in WILDCARDS and not allowed:
        raise ValueError("监听所有地址时须用 --allowed-host 指明门户的域名或地址 "
                         "(listening on every address: name the portal's host with --allowed-host)")
    return [*allowed, *([] if host in WILDCARDS else [host]), *LOOPBACK_NAMES]


def serve(ws: config.Workspace, host: str, port: int, secure_cookies: bool = False,
          allowed_hosts: list[str] | None = None, on_step: Callable[[dict], object] | None = None,
          notice: Notice | None = None, runner: gather.Runner | None = None) -> None:
    """Serve the portal with uvicorn until stopped."""
    import uvicorn

    from ipwatch.warehouse import reference

    names = host_names(host, allowed_hosts or [])
    reference.initialise(ws)  # the warehouse exists and holds the catalogue before the first office logs in
    warehouse.keep_open(config.settings().portal_keep_open_seconds)
    uvicorn.run(app(ws, secure_cookies, names, on_step, notice, runner), host=host, port=port, server_header=False,
                proxy_headers=False, log_level="info", timeout_graceful_shutdown=10)
