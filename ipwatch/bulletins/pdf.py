"""Bulletins printed to A4 PDF by Debian's headless Chromium, driven by playwright (no browser download).

Why playwright's `page.pdf` and not `chromium --print-to-pdf`: the command line has no paper-size option (the
size is whatever Chromium defaults to), reports a page that failed to load only in its log, and needs a
throwaway profile of our own; `page.pdf(format="A4")` sets the paper, raises on failure, waits for the page's
load event and fonts, and starts Chromium exactly as the browser tests do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from ipwatch import config, files

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

# Offline: without these Chromium calls Google hosts (sync, component updates, QUIC probes), which closed
# government networks refuse. Playwright gives each launch an empty profile (--user-data-dir) of its own.
# /dev/shm is small in containers; Chromium crashes when it fills, so shared memory goes to /tmp.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage")
INSTALL = "apt-get install chromium fonts-noto-cjk"
INSTALL_POPPLER = "apt-get install poppler-utils"


class ChromiumMissing(FileNotFoundError):
    """Chromium, or playwright which drives it, is not installed."""


class PopplerMissing(FileNotFoundError):
    """poppler's pdftotext, which reads a PDF's text back, is not installed."""


def require_chromium() -> str:
    """The Chromium executable ($IPWATCH_CHROMIUM, else Debian's), or ChromiumMissing saying how to install it."""
    path = config.settings().chromium
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise ChromiumMissing(f"未找到 Chromium 浏览器（{path}），无法生成 PDF：请以 root 运行 make browser 或 "
                              f"{INSTALL}，或用 IPWATCH_CHROMIUM 指明其路径 (Chromium not found at {path}: "
                              f"run make browser as root, or {INSTALL}, or set IPWATCH_CHROMIUM to its path)")
    return path


def launch(playwright: Playwright) -> Browser:
    """Headless Chromium, started offline."""
    return playwright.chromium.launch(executable_path=require_chromium(), args=list(CHROMIUM_ARGS))


def to_pdf(html: Path, pdf: Path) -> Path:
    """Print an HTML file to an A4 PDF, backgrounds included; returns the PDF's path."""
    if not html.is_file():
        raise FileNotFoundError(f"HTML 文件不存在 (no such file): {html}")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API refuses a thread that runs an asyncio loop (an async flow, a notebook, another
    # playwright session): printing gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(print_pdf, html, pdf).result()


def print_pdf(html: Path, pdf: Path) -> Path:
    """Open `html` in headless Chromium and print it to `pdf` on A4 paper."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise ChromiumMissing("缺少 playwright，请用 make 安装依赖 (playwright is missing: run make, which "
                              "installs requirements.lock)") from exc
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page()
            page.goto(html.resolve().as_uri())
            page.evaluate("document.fonts.ready.then(() => true)")  # fonts may finish after the load event
            # the stylesheet's @page (A4 portrait, its margins) rules; A4 where a page sets no size
            printed = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            browser.close()
    except Error as exc:
        raise OSError(f"Chromium 未能打印 {html.name} (Chromium could not print it): {exc.message}") from exc
    return files.publish(pdf, printed)


def text(pdf: Path) -> str:
    """The PDF's text as laid out on its pages (poppler's `pdftotext -layout`), pages parted by form feeds:
    what a reader of the paper sees, for comparing its numbers with the page's."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise PopplerMissing(f"未找到 pdftotext，无法读取 PDF 文本：请以 root 运行 make browser 或 {INSTALL_POPPLER} "
                             f"(pdftotext not found: run make browser as root, or {INSTALL_POPPLER})")
    if not pdf.is_file():
        raise FileNotFoundError(f"PDF 文件不存在 (no such file): {pdf}")
    done = subprocess.run([tool, "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=False)
    if done.returncode != 0:
        raise OSError(f"pdftotext 未能读取 {pdf.name} (could not read it): {done.stderr.decode(errors='replace')}")
    return done.stdout.decode("utf-8")
