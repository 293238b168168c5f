"""GX's Data Docs stand offline: built from real validation runs, opened in real Chromium with the network refused.

GX's templates load Bootstrap, jQuery, Font Awesome and vega from CDNs; ipwatch copies the same files from npm
(reports/vendor/) beside the docs. The manifest is checked against GX's installed templates, so an upgrade of GX that
adds a CDN file fails here rather than on an auditor's closed network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

import great_expectations
import pytest
from playwright.sync_api import expect

from ipwatch import audit, config, warehouse
from ipwatch.audit import data_docs

from .conftest import submit, write_csv
from .test_browser import Visit

pytestmark = pytest.mark.slow
GX_TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"


@pytest.fixture(scope="module")
def site(tmp_path_factory, initialised_home, catalogue) -> Path:
    """The Data Docs of two runs, one failing (a region code no region has), built as `audit report` builds them."""
    tmp = tmp_path_factory.mktemp("docs")
    shutil.copytree(initialised_home, tmp / "home")
    ws = config.workspace(tmp / "home")
    with warehouse.connect(ws.warehouse) as conn:
        submit(conn, ws, catalogue, write_csv(tmp / "bad.csv", ["3401021,2025Q3,pct_applications,3,件,"]), "340100")
        submit(conn, ws, catalogue, write_csv(tmp / "good.csv", ["340102,2025Q3,pct_applications,3,件,"]), "340100")
        audit.report(conn, tmp / "audit")
    return tmp / "audit" / "data_docs"


def visit(browser, url: str, color_scheme: str = "light") -> Visit:
    """Open `url` with every request off the machine refused and recorded, and console errors recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, color_scheme=color_scheme)
    seen = Visit(page)
    page.on("console", seen.on_console)
    page.on("pageerror", lambda error: seen.console_errors.append(str(error)))
    page.route("**/*", seen.on_route)
    page.goto(url)
    page.wait_for_load_state("load")
    return seen


def failed_run_page(site: Path) -> Path:
    [page] = (site / "validations" / "submission_rows" / "batch-1").rglob("*.html")
    return page


def test_every_cdn_file_gx_templates_load_is_vendored():
    """Scans GX's own templates: each stylesheet, script and image they load from the network has a local copy."""
    loaded = {url for template in GX_TEMPLATES.glob("*.j2") for url in data_docs.remote_loads(template.read_text())}
    assert len(loaded) >= 16, loaded  # GX 1.24.1: 10 scripts and 6 stylesheets on 7 hosts
    known = set(data_docs.manifest()["urls"]) | set(data_docs.manifest()["images"])
    assert {url for url in loaded if not url.startswith(tuple(known))} == set()


def test_vendored_files_are_the_npm_packages_files():
    """Each file's sha256 as fetched from npm (reports/vendor/fetch.py checked the tarballs' integrity)."""
    for spec, package in data_docs.manifest()["packages"].items():
        for name, digest in package["files"].items():
            assert hashlib.sha256((config.VENDOR_DIR / spec / name).read_bytes()).hexdigest() == digest, (spec, name)
        assert package["license"], spec


def test_vendored_scripts_match_the_integrity_gx_pins():
    """GX pins popper and bootstrap's script by their sha384: the npm files are byte for byte the CDN's."""
    text = (GX_TEMPLATES / "js_script_imports.j2").read_text()
    pinned = re.findall(r'src="([^"]+)" integrity="sha384-([^"]+)"', text)
    assert len(pinned) == 2
    for url, digest in pinned:
        local = config.VENDOR_DIR / data_docs.manifest()["urls"][url]
        assert base64.b64encode(hashlib.sha384(local.read_bytes()).digest()).decode() == digest


def test_built_pages_load_nothing_from_the_network(site):
    pages = [*site.rglob("*.html"), *site.glob("static/styles/*.css")]
    assert len(pages) >= 4
    assert {p.name: data_docs.remote_loads(p.read_text("utf-8")) for p in pages} == {p.name: [] for p in pages}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_index_is_styled_and_lists_the_runs_offline(browser, site, scheme, tmp_path):
    seen = visit(browser, site.joinpath("index.html").as_uri(), color_scheme=scheme)
    page = seen.page
    # bootstrap-table's script ran: it wraps each tab's table (runs, suites) in a .bootstrap-table container
    expect(page.locator("body")).to_contain_text("batch-1")
    expect(page.locator(".bootstrap-table")).to_have_count(2)
    # Bootstrap's stylesheet applied: a .btn's corners are rounded (4px in 4.3.1; the browser's default is 0)
    assert page.locator(".btn").first.evaluate("e => getComputedStyle(e).borderTopLeftRadius") != "0px"
    page.screenshot(path=str(tmp_path / f"index-{scheme}.png"), full_page=True)
    assert (seen.remote_requests, seen.console_errors) == ([], [])
    page.close()


def test_a_run_page_shows_its_expectations_with_icons_offline(browser, site, tmp_path):
    seen = visit(browser, failed_run_page(site).as_uri())
    page = seen.page
    expect(page.locator("table").filter(has_text="[region_known]").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("Unsuccessful Expectations")
    # Font Awesome's font loaded from the vendored copy: the status icons have glyphs to draw
    page.wait_for_function("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    assert page.evaluate("[...document.fonts].some(f => f.family.includes('Font Awesome') && f.status == 'loaded')")
    page.screenshot(path=str(tmp_path / "run.png"), full_page=False)
    assert (seen.remote_requests, seen.console_errors) == ([], [])
    page.close()


def test_the_manifest_is_what_fetch_writes():
    """The manifest names every vendored file once, by package, as reports/vendor/fetch.py records them."""
    manifest = json.loads((config.VENDOR_DIR / "gx-data-docs.json").read_text("utf-8"))
    named = {*manifest["urls"].values(), *manifest["also"]}
    recorded = {f"{spec}/{name}" for spec, package in manifest["packages"].items() for name in package["files"]}
    licences = {f"{spec}/{p['licence_file']}" for spec, p in manifest["packages"].items() if p["licence_file"]}
    assert recorded == named | licences
