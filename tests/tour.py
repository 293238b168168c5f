"""The README's tour (`make docs`): the demo built once, `ipwatch web` on it, and each page a newcomer should see
first photographed in Debian's Chromium as the person who reads it, into `docs/tour-<shot>.png`.

The demo is pinned to QUARTER, the quarter `make run` reached when the screenshots were made, so a later run makes
the same bulletins and the same queue. The people are the ones `ipwatch demo` tells you to add (DEMO_USERS), each
with a password drawn for this run and forgotten with it. Each PNG carries what it shows as text (its page's title
and headings, in PNG iTXt chunks): tests/test_demo.py compares that with what the current code produces, since the
pixels themselves differ with the machine's fonts and hinting.

    python -m tests.tour [--demo HOME] [--out docs]

`--demo` takes a demo already built (`ipwatch --home HOME demo`, at QUARTER) and photographs a copy of it.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, PngImagePlugin
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ipwatch.bulletins import pdf
from ipwatch.cli.ops import DEMO_USERS
from ipwatch.domain import periods

from .conftest import BIN, clean_env, web_process
from .test_web_browser import log_in

QUARTER = "2026Q3"
LATEST_MONTH = periods.month_after(QUARTER)  # the demo's latest monthly edition (ops/demo.editions)
DOCS = Path(__file__).resolve().parent.parent / "docs"
VIEWPORT = {"width": 1280, "height": 900}  # one screen of a laptop: the first thing a reader sees of a page
COLOURS = 64  # a palette this small keeps text and charts sharp and each PNG near 50 KB
CLERK, REVIEWER, AUDITOR = (name for name, _, _ in DEMO_USERS)
CLERK_REGION = DEMO_USERS[0][2]
HEADINGS = "els => els.map(e => e.innerText.replace(/\\s+/g, ' ').trim())"


def ipwatch(home: Path, *args: str, password: str | None = None) -> str:
    """One `ipwatch` command on the tour's workspace, as a person would type it; what it printed."""
    return subprocess.run([str(BIN / "ipwatch"), "--home", str(home), *args], env=clean_env(home.parent), text=True,
                          input=None if password is None else password + "\n", check=True, capture_output=True).stdout


def build_demo(home: Path) -> None:
    """`ipwatch demo` at QUARTER, in this process as the command runs it: Prefect set up before it is imported."""
    from ipwatch import config
    from ipwatch.ops import prefect_env

    prefect_env.configure(config.workspace(home))
    prefect_env.start_server_early()()
    from flows.demo import demo_flow

    demo_flow(home=str(home), last_quarter=QUARTER)


class Tour:
    """A browser tab on the tour's workspace and portal, and what a shot may ask of them."""

    def __init__(self, page: Page, home: Path, folder: Path, passwords: dict[str, str]) -> None:
        self.page, self.home, self.folder, self.passwords = page, home, folder, passwords

    def log_in(self, name: str) -> None:
        """A fresh session as `name`, through the login form."""
        self.page.context.clear_cookies()
        log_in(self.page, name, self.passwords[name])
        expect(self.page.get_by_role("button", name="退出登录")).to_be_visible()

    def open_file(self, relative: str) -> None:
        """A page of the workspace, opened from disk as `make run` leaves it."""
        self.page.goto((self.home / relative).as_uri())

    def value(self, region: str, period: str, indicator: str) -> float:
        """The value in force, as `ipwatch history` tells it."""
        versions = json.loads(ipwatch(self.home, "history", "--region", region, "--indicator", indicator, "--json"))
        return next(v["value"] for v in versions if v["period"] == period and v["is_current"])


# The shots in the README's order, each a function of the tour: where the reader goes and what it does there, as
# one day's work. The clerk of 包河区, whose 2025Q4 patent attorneys the auditor asked to correct (the demo's
# transposed digits), corrects and signs the quarter; the city finds it waiting; the auditor reads what is left.


def bulletin_monthly(tour: Tour) -> None:
    """The latest monthly bulletin of the plan in force."""
    tour.open_file(f"bulletins/{LATEST_MONTH}-jiangjin-2024.html")


def bulletin_final(tour: Tour) -> None:
    """An ended plan's final evaluation."""
    tour.open_file("bulletins/2025-final-hefei-2022.html")


def office_calendar(tour: Tour) -> None:
    """The clerk's page: the calendar of its quarters, one waiting for a correction, and the 上报 box."""
    tour.log_in(CLERK)
    tour.page.goto(f"/regions/{CLERK_REGION}?to=2025Q4")
    expect(tour.page.locator("table.calendar")).to_contain_text("待更正")


def office_receipt(tour: Tour) -> None:
    """The clerk uploads the corrected figure (the two digits swapped back) and reads the receipt at once."""
    page = tour.page
    wrong = tour.value(CLERK_REGION, "2025Q4", "patent_attorneys")
    digits = str(int(wrong))
    right = digits[1] + digits[0] + digits[2:]
    csv = tour.folder / f"{CLERK_REGION}-2025Q4-更正.csv"
    csv.write_text(f"region_code,period,indicator_code,value,unit,note\n{CLERK_REGION},2025Q4,patent_attorneys,"
                   f"{right},人,更正：前两位数字录反\n", "utf-8")
    page.goto(f"/regions/{CLERK_REGION}?to=2025Q4")
    page.locator("input[type=file]").set_input_files(csv)
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("heading", name="报送回执")).to_be_visible(timeout=180_000)
    expect(page.locator(".verdict").first).to_contain_text("已接收")


def office_submitted(tour: Tour) -> None:
    """Its quarter now whole and corrected, the clerk signs it up the chain with the 上报 button (逐级审核)."""
    page = tour.page
    page.goto(f"/regions/{CLERK_REGION}?to=2025Q4")
    page.get_by_role("button", name="上报2025年第四季度").click()
    expect(page.locator(".verdict").first).to_contain_text("2025年第四季度数据已上报")


def review_matrix(tour: Tour) -> None:
    """The city's 逐级审核 page: its counties × the plan's last year's quarters, the clerk's waiting for it."""
    tour.log_in(REVIEWER)
    tour.page.goto("/review?to=2025Q4")
    expect(tour.page.locator("tr", has_text=f"包河区 {CLERK_REGION}")).to_contain_text("待本级审定")


def audit_queue(tour: Tour) -> None:
    """The auditor's queue of open findings."""
    tour.log_in(AUDITOR)
    tour.page.goto("/audit")


def audit_finding(tour: Tour) -> None:
    """One open finding: a year-to-date that fell, with its context and the decision form."""
    tour.page.goto("/audit?rule=ytd_not_falling")
    tour.page.locator("table.queue a").first.click()
    expect(tour.page.get_by_role("heading", level=1)).to_contain_text("问题 #")


def audit_report(tour: Tour) -> None:
    """The auditor's report `ipwatch audit report` writes, of the queue as the tour leaves it."""
    ipwatch(tour.home, "audit", "report")
    tour.open_file("audit/audit.html")


SHOTS: tuple[Callable[[Tour], None], ...] = (bulletin_monthly, bulletin_final, office_calendar, office_receipt,
                                             office_submitted, review_matrix, audit_queue, audit_finding, audit_report)


def shown(page: Page) -> dict[str, str]:
    """What a screenshot shows, as text: the page's title and its headings."""
    return {"title": page.title(),
            "headings": json.dumps(page.eval_on_selector_all("h1, h2", HEADINGS), ensure_ascii=False)}


def save(png: bytes, what: dict[str, str], path: Path) -> None:
    """The screenshot in a small palette, with what it shows kept in its text chunks."""
    from io import BytesIO

    info = PngImagePlugin.PngInfo()
    for key, text in what.items():
        info.add_itxt(key, text)
    image = Image.open(BytesIO(png)).convert("RGB").quantize(COLOURS, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True, pnginfo=info)


def read(path: Path) -> dict[str, str]:
    """What a committed screenshot says it shows."""
    with Image.open(path) as image:
        return {key: image.text[key] for key in ("title", "headings")}


@contextmanager
def portal(home: Path, folder: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`ipwatch web` on the demo with the tour's users, each with a password drawn now; its address and them."""
    passwords = {name: secrets.token_urlsafe(12) for name, _, _ in DEMO_USERS}
    for name, role, region in DEMO_USERS:
        ipwatch(home, "users", "add", name, "--role", role, *(["--region", region] if region else []),
                "--password-stdin", password=passwords[name])
    with web_process([str(BIN / "ipwatch"), "--home", str(home)], clean_env(folder), folder) as url:
        yield url, passwords


def photograph(home: Path, out: Path) -> dict[str, dict[str, str]]:
    """Every shot of the tour on a demo workspace (changed by it: users, an upload), into `out`; what each
    shows, by file name."""
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="tour-"))
    made = {}
    with portal(home, folder) as (url, passwords), sync_playwright() as playwright:
        browser: Browser = pdf.launch(playwright)
        context = browser.new_context(base_url=url, viewport=VIEWPORT)
        tour = Tour(context.new_page(), home, folder, passwords)
        for shot in SHOTS:
            shot(tour)
            name = f"tour-{shot.__name__.replace('_', '-')}.png"
            made[name] = shown(tour.page)
            save(tour.page.screenshot(), made[name], out / name)
        browser.close()
    shutil.rmtree(folder, ignore_errors=True)
    return made


def main(argv: list[str] | None = None) -> int:
    """Build the demo (or copy one built), photograph the tour into docs/."""
    p = argparse.ArgumentParser(prog="python -m tests.tour", description=__doc__.split("\n\n")[0])
    p.add_argument("--demo", type=Path, help=f"a demo workspace already built at {QUARTER}; a copy is photographed")
    p.add_argument("--out", type=Path, default=DOCS, help="where the PNGs go (default docs/)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ipwatch-tour-") as temporary:
        home = Path(temporary) / "home"
        if args.demo:
            shutil.copytree(args.demo, home, ignore=shutil.ignore_patterns("*.lock", "prefect*"))
        else:
            build_demo(home)
        for old in args.out.glob("tour-*.png"):
            old.unlink()
        for name, what in photograph(home, args.out).items():
            print(f"{args.out / name}  {what['title']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
