"""Every path and default setting in one place."""

from __future__ import annotations

import os
import re
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


def dask_address() -> str | None:
    """The Dask scheduler `--runner dask` sends work to: $IPWATCH_DASK_ADDRESS (tcp://host:8786); else a
    LocalCluster is started for the run."""
    return os.environ.get("IPWATCH_DASK_ADDRESS") or None


def bulletin_office() -> str | None:
    """The office that issues the bulletins where a plan names none: $IPWATCH_BULLETIN_OFFICE."""
    return os.environ.get("IPWATCH_BULLETIN_OFFICE") or None


def local_date(moment: datetime) -> date:
    """The calendar day a moment falls on where the offices are."""
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


# The warehouse is the embedded DuckDB file unless $IPWATCH_WAREHOUSE names a DuckLake: ducklake:<catalog>, the
# catalog a PostgreSQL connection string ("ducklake:postgres:dbname=ipwatch host=db.example port=5432"), with its
# Parquet data under $IPWATCH_LAKE_DATA (a folder, or object storage's URL; default <home>/lake/).
LAKE_PREFIX = "ducklake:"


@dataclass(frozen=True)
class Lake:
    """A DuckLake warehouse shared by many processes and machines; `home` is the workspace this one works in."""

    catalog: str
    data_path: str
    home: Path

    def exists(self) -> bool:
        """A lake is a server's: it is there once configured (its tables are made by `ipwatch init`)."""
        return True

    def __str__(self) -> str:
        """The lake as a log may show it: its catalog without a password, and its data path."""
        catalog = re.sub(r"password=\S+", "password=***", self.catalog)
        return f"{LAKE_PREFIX}{catalog} ({self.data_path})"


@dataclass(frozen=True)
class Workspace:
    """The generated side of the project: warehouse, inbox, archive, quarantine, bulletins."""

    home: Path
    # $IPWATCH_WAREHOUSE as it was when the workspace was chosen: empty for the embedded file.
    store: str = ""
    lake_data: str = ""

    @property
    def warehouse(self) -> Path | Lake:
        """The DuckDB file in the workspace, or the DuckLake the settings name."""
        if not self.store:
            return self.home / "warehouse.duckdb"
        if not self.store.startswith(LAKE_PREFIX):
            raise ValueError(f"IPWATCH_WAREHOUSE 应为 ducklake:<catalog> (expected ducklake:..., got {self.store!r})")
        return Lake(self.store.removeprefix(LAKE_PREFIX), self.lake_data or str(self.home / "lake") + "/", self.home)

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
    """The workspace at --home, else $IPWATCH_HOME, else ./data, on the warehouse the settings name."""
    chosen = home or os.environ.get("IPWATCH_HOME") or "data"
    return Workspace(Path(chosen).resolve(), os.environ.get("IPWATCH_WAREHOUSE", ""),
                     os.environ.get("IPWATCH_LAKE_DATA", ""))
