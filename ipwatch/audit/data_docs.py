"""Great Expectations Data Docs: GX's own static HTML of every validation run it kept (ipwatch.intake.validate).

They complement the auditor's report rather than replace it: GX's pages are in English. GX's templates load Bootstrap,
jQuery, Font Awesome and vega from CDNs (GX declined to bundle them: its issue #994, PR #2870); ipwatch copies the
same files, from npm (reports/vendor/gx-data-docs.json), beside the docs and points every page at them, so the
docs stand whole on a closed network.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from functools import cache
from pathlib import Path

from ipwatch import config
from ipwatch.intake import validate
from ipwatch.intake.suite import SUITE_FILE

SITE = "ipwatch"
logger = logging.getLogger("ipwatch.audit.data_docs")
MANIFEST = config.VENDOR_DIR / "gx-data-docs.json"
REMOTE = re.compile(r"https?://[^\s\"'()<>]+")
# what a browser fetches as it opens a page (a link to greatexpectations.io is only followed when clicked)
REMOTE_LOADS = re.compile(r"<(?:script|img)\b[^>]*\bsrc=\"(https?://[^\"]+)\"|<link\b[^>]*\bhref=\"(https?://[^\"]+)\""
                          r"|url\(['\"]?(https?://[^'\")]+)")
# GX prints a setting it has no value for as Python's None (its run's schema_name, under "Show more info...")
NOTHING = re.compile(r"(<(?:span|td|p|div|li)\b[^>]*>)\s*(?:None|null|nan|NaN)\s*(?=</)")
# A script with crossorigin is fetched in CORS mode, which Chromium refuses for file:// pages: each vendored file is
# checked against its npm package instead (the manifest's sha256; tests compare GX's own integrity hashes too).
CROSS_ORIGIN = re.compile(r'(<script src="(?!https?:)[^"]*")\s+integrity="[^"]*"\s+crossorigin="[^"]*"')


def set_aside_unreadable(results: Path, aside: Path) -> list[Path]:
    """Move result files that are not whole JSON (GX writes them in place; a killed run can cut one short) out of
    the store, keeping them, so that one bad file cannot stop the docs of every other run."""
    moved = []
    for path in sorted(results.rglob("*.json")):
        try:
            json.loads(path.read_bytes())
        except ValueError:
            target = aside / path.relative_to(results)
            target.parent.mkdir(parents=True, exist_ok=True)
            moved.append(path.replace(target))
    return moved


def build(home: Path, out_dir: Path, rules_file: Path = SUITE_FILE) -> Path:
    """Build the Data Docs site of a workspace's validation results into `out_dir`; returns its index.html."""
    for path in set_aside_unreadable(validate.results_dir(home), home / "gx" / "unreadable"):
        logger.warning("校验结果文件不完整，已移至 %s (a truncated GX result, set aside)", path)
    context = validate.gx_context(validate.results_dir(home))
    context.suites.add(validate.expectation_suite(validate.rules(rules_file)))
    context.add_data_docs_site(SITE, {
        "class_name": "SiteBuilder", "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    context.build_data_docs(site_names=[SITE])
    localise(out_dir)
    return out_dir / "index.html"


@cache
def manifest() -> dict:
    """The vendored files: each CDN address GX's pages load and the npm file that serves it (gx-data-docs.json)."""
    return json.loads(MANIFEST.read_text("utf-8"))


def localise(site: Path) -> None:
    """Copy the vendored files into the site's static/vendor/ and point its pages and styles at them (and at GX's own
    copies of its images), so that opening the docs asks nothing of the network; a value GX has none for reads —."""
    vendor = site / "static" / "vendor"
    for spec, package in manifest()["packages"].items():
        for name in package["files"]:
            (vendor / spec / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(config.VENDOR_DIR / spec / name, vendor / spec / name)
    for path in [*site.rglob("*.html"), *site.glob("static/styles/*.css")]:
        text = path.read_text("utf-8")
        local = localised(text, site, path.parent)
        for url in remote_loads(local):
            logger.warning("Data Docs 页面仍从网络加载 %s (not vendored: %s)", url, path.relative_to(site))
        if local != text:
            path.write_text(local, "utf-8")


def localised(text: str, site: Path, folder: Path) -> str:
    """A page or stylesheet in `folder` of the site, pointed at the local copies, its missing values shown as —."""
    local = REMOTE.sub(lambda url: local_address(url.group(0), site, folder), text)
    return NOTHING.sub(r"\1—", CROSS_ORIGIN.sub(r"\1", local))


def local_address(url: str, site: Path, folder: Path) -> str:
    """Where a page in `folder` finds `url` within the site; the url itself when it is no file a page loads."""
    files = manifest()["urls"]
    if url in files:
        return Path(os.path.relpath(site / "static" / "vendor" / files[url], folder)).as_posix()
    address = url.partition("?")[0]  # GX stamps its logo's address with the site's build time
    if address in manifest()["images"]:
        image = manifest()["images"][address]
        # GX ships no copy of its dark-theme logo: an empty image rather than a request to S3
        return Path(os.path.relpath(site / "static" / "images" / image, folder)).as_posix() if image else "data:,"
    return url


def remote_loads(text: str) -> list[str]:
    """The addresses a browser would fetch from the network while opening a page or stylesheet of `text`."""
    return [next(group for group in match.groups() if group) for match in REMOTE_LOADS.finditer(text)]


def run_pages(site: Path, batches: dict[int, int]) -> dict[int, str]:
    """Each submission's page in a built site, the page of the batch it was last validated in (`batches`:
    submission -> batch), as a path relative to the site's folder's parent, where audit.html is."""
    pages: dict[int, Path] = {}
    for page in sorted((site / "validations" / "submission_rows").glob("batch-*/*/*.html")):
        pages[int(page.parts[-3].removeprefix("batch-"))] = page
    return {sid: pages[batch].relative_to(site.parent).as_posix() for sid, batch in batches.items() if batch in pages}
