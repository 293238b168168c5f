"""The portal's users: who may log in, as what, for which region; passwords hashed with argon2id.

Users are created only here: by an administrator in the portal or by `ipwatch users add`. Nothing else writes
portal_users. Every login, upload, decision and change of a user is appended to portal_events (`record`).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from datetime import datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ipwatch import warehouse
from ipwatch.domain import regions

ROLES = {"office": "报送单位", "auditor": "审核员", "admin": "管理员"}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 10
# Throttling: this many failed logins for one user name (or many more from one address) within the window
# refuse further attempts until the window has passed, whatever the password.
THROTTLE_USER, THROTTLE_CLIENT, THROTTLE_WINDOW = 5, 30, timedelta(minutes=15)
# A session lives this long from its login, whatever its cookie says: the cookie is re-signed on every answer, so its
# own age would let a session used every few hours live for ever.
SESSION_LIFE = timedelta(hours=8)

# argon2-cffi's defaults (argon2id, RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes).
HASHER = PasswordHasher()
# Verifying against this when the user does not exist costs the same time as a real check: the response time
# does not tell which user names exist.
_DUMMY = HASHER.hash("no such user: the time of a real check")
_VERIFYING = threading.BoundedSemaphore(os.cpu_count() or 1)


def checked_user(user_name: str, role: str, region_code: str | None) -> tuple[str, str, str | None]:
    """The user's name, role and region, refused when malformed (an office needs its region)."""
    if not NAME_PATTERN.match(user_name or ""):
        raise ValueError("用户名须为2至64个字母、数字或 _ . @ - (user name: 2-64 letters, digits, _ . @ -)")
    if role not in ROLES:
        raise ValueError(f"角色应为 {'、'.join(f'{zh}({code})' for code, zh in ROLES.items())} 之一 "
                         f"(role must be office, auditor or admin): {role!r}")
    if role == "office" and not region_code:
        raise ValueError("报送单位用户须指定行政区划代码 (an office user needs its region code)")
    return user_name, role, region_code or None


def checked_password(password: str) -> str:
    """A password long enough to be worth hashing."""
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"密码至少{MIN_PASSWORD}个字符 (a password needs at least {MIN_PASSWORD} characters)")
    return password


def add(conn: duckdb.DuckDBPyConnection, user_name: str, role: str, region_code: str | None, password: str,
        by: str) -> dict:
    """Create a user; refused when the name is taken or the region unknown."""
    user_name, role, region_code = checked_user(user_name, role, region_code)
    known_region(region_code)
    # names are told apart ignoring case: AUD2 beside aud2 is two accounts a person takes for one (#26, item 9)
    taken = {u["user_name"].casefold(): u["user_name"] for u in listed(conn)}
    if user_name.casefold() in taken:
        raise ValueError(f"用户名已存在（不区分大小写）(user name taken, ignoring case): {taken[user_name.casefold()]}")
    params = {"user_name": user_name, "role": role, "region_code": region_code, "created_by": by,
              "password_hash": HASHER.hash(checked_password(password)), "at": datetime.now()}
    return conn.execute(warehouse.sql("add_portal_user"), params).pl().row(0, named=True)


def assign(conn: duckdb.DuckDBPyConnection, user_name: str, role: str, region_code: str | None) -> dict:
    """Give an existing user another role or region (an office needs a known region)."""
    _, role, region_code = checked_user(user_name, role, region_code)
    known_region(region_code)
    rows = conn.execute(warehouse.sql("set_portal_assignment"),
                        {"user_name": user_name, "role": role, "region_code": region_code}).pl().to_dicts()
    if not rows:
        raise ValueError(f"用户不存在 (no such user): {user_name}")
    return rows[0]


def known_region(region_code: str | None) -> None:
    """Refuse a region code that is not in the region list."""
    if region_code and region_code not in set(regions.load()["region_code"]):
        raise ValueError(f"行政区划代码不存在 (unknown region code): {region_code}")


def set_password(conn: duckdb.DuckDBPyConnection, user_name: str, password: str) -> None:
    """A new password for an existing user (which ends the sessions signed under the old one)."""
    params = {"user_name": user_name, "password_hash": HASHER.hash(checked_password(password)),
              "at": datetime.now()}
    if not conn.execute(warehouse.sql("set_portal_password"), params).fetchall():
        raise ValueError(f"用户不存在 (no such user): {user_name}")


def user(conn: duckdb.DuckDBPyConnection, user_name: str) -> dict | None:
    """One user with its password hash, or None."""
    cursor = conn.execute(warehouse.sql("portal_user"), {"user_name": user_name})
    row = cursor.fetchone()  # asked on every request: one row, without a frame around it
    return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None


def listed(conn: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every user, without password hashes."""
    return warehouse.query(conn, "portal_user_list").to_dicts()


def verify(found: dict | None, password: str) -> bool:
    """Whether the password is the user's (as slow for an unknown user, None, as for a wrong password). As many at
    once as the machine has cores: each takes HASHER's 64 MiB, and forty offices signing in at once on deadline
    morning (Starlette's threads) would take two and a half gigabytes."""
    try:
        with _VERIFYING:
            HASHER.verify(found["password_hash"] if found else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False
    return found is not None


def stamp(found: dict) -> str:
    """A short fingerprint of what the user may do (password hash, role and region): a session carries it, so a
    new password, another role or another region ends every session signed before."""
    held = "\0".join((found["password_hash"], found["role"], found["region_code"] or ""))
    return hashlib.sha256(held.encode()).hexdigest()[:16]


def session_ended(conn: duckdb.DuckDBPyConnection, user_name: str, session_id: str | None,
                  now: datetime | None = None) -> bool:
    """Whether the server has ended a session: logged out (its id is in the log), logged in longer ago than
    SESSION_LIFE, or never logged in under that id (a session signed before sessions had one)."""
    if not session_id:
        return True
    since = (now or datetime.now()) - SESSION_LIFE
    params = {"user_name": user_name, "session_id": session_id, "since": since}
    return bool(conn.execute(warehouse.sql("session_ended"), params).fetchone()[0])  # every request: no frame


def throttled(conn: duckdb.DuckDBPyConnection, user_name: str, client: str, now: datetime | None = None) -> bool:
    """Whether logins for this name or from this address are refused for now, after too many failures."""
    since = (now or datetime.now()) - THROTTLE_WINDOW
    by_user, by_client = conn.execute(warehouse.sql("recent_login_failures"),
                                      {"since": since, "user_name": user_name, "client": client}).fetchone()
    return by_user >= THROTTLE_USER or by_client >= THROTTLE_CLIENT


def record(conn: duckdb.DuckDBPyConnection, user_name: str | None, action: str, outcome: str,
           detail: str | None = None, client: str | None = None) -> None:
    """Append one event to the portal's log, in a transaction of its own (its id is taken from counters)."""
    record_all(conn, [{"user_name": user_name, "action": action, "outcome": outcome, "detail": detail,
                       "client": client}])


def record_all(conn: duckdb.DuckDBPyConnection, events: list[dict]) -> None:
    """Append events (user_name, action, outcome, detail, client) to the portal's log in one transaction, in
    their order: a batch's uploads are logged at once, not one transaction each."""
    def work() -> None:
        ids, at = warehouse.take_ids(conn, "portal_event_ids", len(events)), datetime.now()
        rows = [{**event, "event_id": event_id, "at": at} for event_id, event in zip(ids, events, strict=True)]
        conn.executemany(warehouse.sql("record_portal_event"), rows)

    if events:
        warehouse.atomic(conn, work)
