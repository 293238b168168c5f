"""The portal's guards that sit below its pages: hardening headers and the Content-Security-Policy, the request
body limit (checked before a body is read), CSRF tokens, the session's signing key, and the CSP that lets one of
our own self-contained documents (a bulletin, the audit report) run its inline CSS and script by hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from html import unescape
from pathlib import Path

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ipwatch import config

# Nothing inline, nothing from elsewhere: scripts and styles only as files of this server.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
NONE = "'none'"
FORM_LIMIT = 64 * 1024  # a login or decision form; uploads have the file limit


class Hardened:
    """ASGI middleware: every response gets the hardening headers (and the strict CSP unless it set its own), and
    a request body over its limit is refused with 413 — at once from its Content-Length, before anything reads it,
    or as soon as a body without one grows past it."""

    def __init__(self, app: ASGIApp, upload_limit: int, upload_paths: re.Pattern) -> None:
        self.app, self.upload_limit, self.upload_paths = app, upload_limit, upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit + FORM_LIMIT if self.upload_paths.fullmatch(scope["path"]) else FORM_LIMIT
        declared = Headers(scope=scope).get("content-length")
        if declared and (not declared.isdigit() or int(declared) > limit):
            return await refuse(self.headers_sender(send))
        return await self.app(scope, counted(receive, limit), self.headers_sender(send))

    def headers_sender(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"server",)]
                present = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)
        return sending


def counted(receive: Receive, limit: int) -> Receive:
    """`receive` that stops a body growing past `limit` (a 413 for whoever is reading it)."""
    seen = 0

    async def receiving() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, "上传文件过大 (request body too large)")
        return message
    return receiving


async def refuse(send: Send) -> None:
    """413 without reading the body."""
    body = "上传文件过大，未接收 (request body too large)".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def csrf_token(session: dict) -> str:
    """The session's CSRF token (made on first use): every form carries it, every POST must return it."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid(session: dict, sent: object) -> bool:
    """Whether a form returned the session's token."""
    expected = session.get("csrf")
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


def secret_key(ws: config.Workspace) -> str:
    """The key that signs session cookies: $IPWATCH_WEB_SECRET, else one made once and kept in the workspace
    (readable by its owner only), so sessions outlive a restart."""
    given = config.settings().web_secret
    if given:
        return given
    path: Path = ws.home / "portal" / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def sha(text: str) -> str:
    """A CSP source for inline text: 'sha256-…'."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def document_csp(html: str) -> str:
    """A CSP for one of our own self-contained pages: its inline <script> and <style> blocks (and style
    attributes, by 'unsafe-hashes') allowed by their hashes, nothing else inline, nothing from elsewhere."""
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    attributes = sorted({unescape(a) for a in re.findall(r'\sstyle="([^"]*)"', html)})
    style_src = " ".join([sha(s) for s in styles] + (["'unsafe-hashes'"] + [sha(a) for a in attributes]
                                                       if attributes else []))
    script_src = " ".join(sha(s) for s in scripts)
    return (f"default-src 'none'; script-src {script_src or NONE}; style-src {style_src or NONE}; "
            "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
