"""Every path and default setting in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

# Government networks are often closed: nothing may phone home. Set before GX or Prefect import.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"
DATA_DIR = ROOT / "data"
PLANS_DIR = DATA_DIR / "plans"
INDICATORS_FILE = DATA_DIR / "indicators.yaml"
REGIONS_FILE = DATA_DIR / "regions.csv"
EXPECTATIONS_DIR = ROOT / "expectations"
TEMPLATES_DIR = ROOT / "reports" / "templates"
STATUS_FILE = DATA_DIR / "status.yaml"
PREFECT_YAML = ROOT / "prefect.yaml"
# The plans' offices keep Beijing time; schedules in prefect.yaml name the same zone (a test checks).
TIMEZONE = "Asia/Shanghai"


def bulletin_office() -> str | None:
    """The office that issues the bulletins where a plan names none: $IPWATCH_BULLETIN_OFFICE."""
    return os.environ.get("IPWATCH_BULLETIN_OFFICE") or None


def local_date(moment: datetime) -> date:
    """The calendar day a moment falls on where the offices are."""
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


@dataclass(frozen=True)
class Workspace:
    """The generated side of the project: warehouse, inbox, archive, quarantine, bulletins."""

    home: Path

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def bulletins(self) -> Path:
        return self.home / "bulletins"

    @property
    def receipts(self) -> Path:
        """The receipt of each file uploaded through the portal, `<submission_id>.json`, as the office saw it."""
        return self.home / "receipts"

    @property
    def uploads(self) -> Path:
        """A portal upload on its way into the pipeline, under its sha256."""
        return self.home / "uploads"

    @property
    def audit(self) -> Path:
        return self.home / "audit"

    @property
    def demo(self) -> Path:
        return self.home / "demo"

    @property
    def prefect_home(self) -> Path:
        """Prefect's own state for commands run by hand (its ephemeral database, profiles)."""
        return self.home / "prefect"

    @property
    def prefect_server(self) -> Path:
        """The server `ipwatch serve` starts: its SQLite, its log, and the record of its address."""
        return self.home / "prefect-server"

    def ensure(self) -> Workspace:
        """Create the workspace folders if missing."""
        for path in (self.home, self.inbox, self.archive, self.quarantine, self.bulletins):
            path.mkdir(parents=True, exist_ok=True)
        return self


def workspace(home: str | Path | None = None) -> Workspace:
    """The workspace at --home, else $IPWATCH_HOME, else ./data."""
    chosen = home or os.environ.get("IPWATCH_HOME") or "data"
    return Workspace(Path(chosen).resolve())
