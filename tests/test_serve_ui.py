"""One Prefect per workspace, as a user meets it: `ipwatch serve` on a free port, `ipwatch ingest` run by hand
while it serves, and Prefect's UI in real headless Chromium (Debian's, driven by playwright).

The serve, the run by hand and the browser are started once for the module; each test checks one thing.
The screenshots (deployments.png, runs.png, run-artifacts.png, ingest-summary.png) are kept in the module's
temporary folder, `<basetemp>/ui0/` (pytest keeps its last three basetemps; `--basetemp DIR` keeps them there).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from ipwatch import config
from ipwatch.ops import prefect_env

from .conftest import BIN, Serve, api, clean_env, start_serve, write_csv

pytestmark = pytest.mark.slow
# What the UI says of each deployment's schedule (its reading of the cron), and the time zone it names.
SCHEDULES = {
    "audit-report": "At 08:00 AM, only on Monday",
    "inbox": "Every 15 minutes",
    "monthly-bulletin": "At 08:00 AM, on day 5 of the month",
    "quarterly-bulletin": "At 08:00 AM, on day 16 of the month, only in January, April, July, and October",
}
# A generous wait for a JS page on a busy 2-core machine, never a limit on how fast it must be.
WAIT_MS = 60_000


@pytest.fixture(scope="module", autouse=True)
def patient_expect():
    """Playwright's expect waits WAIT_MS in this module, then its own default (5 s) again."""
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The module's folder: the workspace, the submission, the screenshots."""
    return tmp_path_factory.mktemp("ui")


@pytest.fixture(scope="module")
def served(folder) -> Serve:
    """`ipwatch serve --port 0` on a fresh workspace, stopped after the module."""
    serve = start_serve(folder / "home", clean_env(folder))
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def ingested(served, folder) -> dict:
    """`ipwatch ingest` run by hand on the served workspace, as an office would: no Prefect setting given."""
    path = write_csv(folder / "hefei-2025Q3.csv", ["340102,2025Q3,pct_applications,7,件,"])
    done = subprocess.run([str(BIN / "ipwatch"), "--home", str(folder / "home"), "ingest", str(path),
                           "--as", "340100", "--json"], env=clean_env(folder), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def hand_run(served, ingested) -> dict:
    """The flow run of that ingest, as the server knows it."""
    [run] = api(served.url, "/flow_runs/filter", {"flows": {"name": {"any_": ["ingest"]}}})
    return run


@pytest.fixture(scope="module")
def summary(served, hand_run) -> dict:
    """The run's ingest-summary artifact, as the server keeps it."""
    artifacts = api(served.url, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [hand_run["id"]]}}})
    return {a["key"]: a for a in artifacts}["ingest-summary"]


def ui_page(browser: Browser, served: Serve) -> Page:
    """A page that may reach the server and nothing else (the UI asks Amplitude for its config; refused)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(WAIT_MS)
    ui = served.url.removesuffix("/api")

    def local_only(route: Route) -> None:
        if route.request.url.startswith(ui):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", local_only)
    return page


def test_serve_records_its_api_in_the_workspace(served, folder):
    record = prefect_env.read_record(config.workspace(folder / "home").prefect_server / prefect_env.RECORD)
    assert record == (served.url, served.process.pid)


def test_a_command_run_by_hand_is_pointed_at_the_served_api(served, folder):
    env: dict[str, str] = {}
    assert prefect_env.configure(config.workspace(folder / "home"), env) == served.url
    assert env["PREFECT_API_URL"] == served.url


def test_prefect_api_url_when_set_wins_over_the_served_api(served, folder):
    env = {"PREFECT_API_URL": "http://prefect.example:4200/api"}
    assert prefect_env.configure(config.workspace(folder / "home"), env) == "http://prefect.example:4200/api"
    assert env["PREFECT_API_URL"] == "http://prefect.example:4200/api"


def test_a_second_serve_of_the_workspace_is_refused(served, folder):
    done = subprocess.run([str(BIN / "ipwatch"), "--home", str(folder / "home"), "serve", "--port", "0"],
                          env=clean_env(folder), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert f"already served at {served.url}" in done.stderr


def test_the_run_by_hand_is_on_the_served_server_with_its_summary_and_log(served, ingested, hand_run, summary):
    assert ingested["status"] == "accepted"
    assert hand_run["state_name"] == "Completed" and hand_run["deployment_id"] is None
    assert "hefei-2025Q3.csv" in summary["data"]
    logs = api(served.url, "/logs/filter", {"logs": {"flow_run_id": {"any_": [hand_run["id"]]}}})
    # the whole log, INFO included, though the command's console showed only the outcome
    assert any(log["message"].startswith("Finished in state Completed") for log in logs), logs


def schedule_card(page: Page, name: str) -> Locator:
    """The card a deployment's schedules badge opens on the deployments page (a narrow column: the UI folds the
    schedules into it), once the card opened before has closed."""
    card = page.locator("[data-slot=hover-card-content]")
    badge = page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True)).get_by_text(
        "1 schedules", exact=True)
    # a hover the UI's card misses (it opens after a delay, and a busy CI machine can drop the pointer's enter
    # event) is hovered again, as a person would move the mouse off and back; the card must open within 3 tries
    for _ in range(3):
        page.mouse.move(0, 0)
        expect(card).to_have_count(0)
        badge.hover()
        try:
            expect(card).to_be_visible(timeout=20_000)
            return card
        except AssertionError:
            continue
    expect(card).to_be_visible()
    return card


def schedule_shown(page: Page, name: str) -> tuple[str, str]:
    """What the deployments page says of a deployment's schedule: its card, and the tooltip of its badge."""
    card = schedule_card(page, name)
    card.locator("[data-slot=tooltip-trigger]").hover()
    tooltip = page.locator("[data-slot=tooltip-content]")
    expect(tooltip).to_be_visible()
    return card.inner_text(), tooltip.inner_text()


def test_ui_lists_the_four_deployments_with_their_schedules(served, browser, folder):
    page = ui_page(browser, served)
    page.goto(f"{served.url.removesuffix('/api')}/v2/deployments")
    expect(page.get_by_text("4 Deployments")).to_be_visible()
    shown = {name: schedule_shown(page, name) for name in SCHEDULES}
    assert shown == {name: (f"Active\n{text}", f"{text} (Asia/Shanghai)") for name, text in SCHEDULES.items()}
    expect(schedule_card(page, "inbox")).to_contain_text(SCHEDULES["inbox"])
    page.screenshot(path=folder / "deployments.png", animations="disabled")
    page.close()


def test_ui_shows_the_run_by_hand_on_the_runs_page(served, hand_run, browser, folder):
    page = ui_page(browser, served)
    page.goto(f"{served.url.removesuffix('/api')}/v2/runs")
    run = page.get_by_role("link", name=hand_run["name"], exact=True)
    row = page.locator("div").filter(has=run).filter(has_text="Completed").last
    expect(row).to_contain_text("ingest")
    page.screenshot(path=folder / "runs.png", full_page=True, animations="disabled")
    page.close()


def test_ui_shows_the_runs_ingest_summary(served, hand_run, summary, browser, folder):
    page = ui_page(browser, served)
    page.goto(f"{served.url.removesuffix('/api')}/v2/runs")
    page.get_by_role("link", name=hand_run["name"], exact=True).click()
    page.get_by_role("tab", name="Artifacts").click()
    expect(page.get_by_text("每个报送文件的处理结果 (each file's outcome)")).to_be_visible()
    page.screenshot(path=folder / "run-artifacts.png", full_page=True, animations="disabled")
    page.get_by_text("ingest-summary", exact=True).click()
    page.get_by_role("link", name=summary["id"][:8]).click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("hefei-2025Q3.csv")
    expect(table).to_contain_text("已接收")
    page.screenshot(path=folder / "ingest-summary.png", full_page=True, animations="disabled")
    page.close()
