"""Great Expectations Data Docs: GX's own static HTML of every validation run it kept (ipwatch.intake.validate).

They complement the auditor's report rather than replace it: GX's pages are in English and load Bootstrap and
jQuery from CDNs, so on a closed network they show unstyled (but complete). audit.html depends on neither.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ipwatch.intake import validate
from ipwatch.intake.suite import SUITE_FILE

SITE = "ipwatch"
logger = logging.getLogger("ipwatch.audit.data_docs")


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
    return out_dir / "index.html"


def run_pages(site: Path, batches: dict[int, int]) -> dict[int, str]:
    """Each submission's page in a built site, the page of the batch it was last validated in (`batches`:
    submission -> batch), as a path relative to the site's folder's parent, where audit.html is."""
    pages: dict[int, Path] = {}
    for page in sorted((site / "validations" / "submission_rows").glob("batch-*/*/*.html")):
        pages[int(page.parts[-3].removeprefix("batch-"))] = page
    return {sid: pages[batch].relative_to(site.parent).as_posix() for sid, batch in batches.items() if batch in pages}
