"""Every path and setting in one place: the one module that reads (and writes) the environment."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
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
REGION_HISTORY_FILE = DATA_DIR / "region_history.csv"
EXPECTATIONS_DIR = ROOT / "expectations"
TEMPLATES_DIR = ROOT / "reports" / "templates"
# The files GX's Data Docs would load from CDNs, from npm at the same versions (reports/vendor/gx-data-docs.json).
VENDOR_DIR = ROOT / "reports" / "vendor"
STATUS_FILE = DATA_DIR / "status.yaml"
VALIDATION_FILE = DATA_DIR / "validation.yaml"
PREFECT_YAML = ROOT / "prefect.yaml"
# The plans' offices keep Beijing time; schedules in prefect.yaml name the same zone (a test checks).
TIMEZONE = "Asia/Shanghai"


def local_date(moment: datetime) -> date:
    """The calendar day a moment falls on where the offices are."""
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


class SettingError(ValueError):
    """An environment variable holds a value ipwatch cannot use; the message names it, in Chinese and English."""


def whole(raw: str) -> int:
    """A count or a year: a whole number, 0 or more (200000, and as before also 2e5 or 200000.0)."""
    value = amount(raw)
    if not value.is_integer():
        raise ValueError("应为非负整数 (should be a whole number, 0 or more)")
    return int(value)


def store(raw: str) -> str:
    """Where the warehouse is: `ducklake:<catalog>` (empty, the default, is the DuckDB file)."""
    if not raw.startswith(LAKE_PREFIX):
        raise ValueError("应为 ducklake:<catalog> (should be ducklake:<catalog>, or unset for the DuckDB file)")
    return raw


def amount(raw: str) -> float:
    """A size or a wait: a finite number, 0 or more."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise ValueError("应为非负数 (should be a number, 0 or more)")
    return value


def memory(raw: str) -> str:
    """A memory size in DuckDB's units ('2GB', '512MB'), checked here since DuckDB's own error names no variable."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", raw, re.IGNORECASE):
        raise ValueError("应形如 1GB、512MB (should be like 1GB)")
    return raw


def variable(name: str, default: object, parse: Callable[[str], object], meaning: str, *, secret: bool = False) -> Any:
    """A field of Settings read from $`name` by `parse` (unset or blank: `default`); `meaning` is its README line."""
    return field(default=default, repr=not secret, metadata={"variable": name, "parse": parse, "meaning": meaning,
                                                             "secret": secret})


# The most DuckDB is given when IPWATCH_DUCKDB_MEMORY is unset (MB), and the share of the machine's memory below it.
DUCKDB_MEMORY_CAP_MB, DUCKDB_MEMORY_SHARE = 512, 4


def duckdb_memory_limit() -> str:
    """The memory DuckDB may use: IPWATCH_DUCKDB_MEMORY, else a quarter of the machine's, at most 512MB."""
    chosen = settings().duckdb_memory
    if chosen:
        return chosen
    machine_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    return f"{min(DUCKDB_MEMORY_CAP_MB, machine_mb // DUCKDB_MEMORY_SHARE)}MB"


@cache
def validation_settings() -> dict:
    """data/validation.yaml (the due day, the sign-off days, how many rows of a rule a report lists), read once."""
    import yaml  # here: `ipwatch --help` reads no data file

    return yaml.safe_load(VALIDATION_FILE.read_text("utf-8"))


@dataclass(frozen=True)
class Settings:
    """Every environment variable ipwatch reads, typed, with its default and meaning (README: Settings)."""

    home: Path = variable("IPWATCH_HOME", Path("data"), Path,
                          "the workspace folder (a relative one is under the working directory); `--home` wins")
    warehouse: str = variable("IPWATCH_WAREHOUSE", "", store,
                              "unset: the DuckDB file `<home>/warehouse.duckdb`; `ducklake:<catalog>`: a DuckLake")
    lake_data: str = variable("IPWATCH_LAKE_DATA", "", str,
                              "where a DuckLake keeps its Parquet files (a folder or a URL); unset: `<home>/lake/`")
    lock_wait_seconds: float = variable("IPWATCH_LOCK_WAIT_SECONDS", 900.0, amount,
                                        "how long a process waits for its turn at the DuckDB file before it gives up")
    # DuckDB takes 80% of the machine's memory by default, and a national bulletin's progress used 8 GB of it; within
    # this bound it spills to <warehouse>.tmp instead. A county's server often has 2 GB in all, and every process must
    # stay under 1.2 GB with Python's own share (#30): unset, a quarter of the machine's memory, at most 512MB
    # (duckdb_memory_limit). At 2GB a national quarter's bulletins peaked at 1.8 GB, its intake at 1.3 GB.
    duckdb_memory: str = variable("IPWATCH_DUCKDB_MEMORY", "", memory,
                                  "the memory DuckDB may use before it spills to disk (`1GB`, `512MB`); unset: a "
                                  "quarter of the machine's memory, at most `512MB`")
    conflict_retries: int = variable("IPWATCH_CONFLICT_RETRIES", 20, whole,
                                     "how often a lake transaction that lost to a concurrent one is run again")
    # A run needs room for its archive copies, the warehouse's write-ahead log and Prefect's own database; below this
    # a run is not started, rather than failing halfway in a library's traceback.
    min_free_mb: float = variable("IPWATCH_MIN_FREE_MB", 100.0, amount,
                                  "the free space (MB) a run needs on the workspace's disk to start")
    # A file is taken from the inbox only once nothing has been written to it for this long: a copy over a network
    # share arrives in pieces, and a file read half-written would lose the rest. One setting for the scheduled and
    # the manual run alike.
    inbox_settle_seconds: float = variable("IPWATCH_INBOX_SETTLE_SECONDS", 60.0, amount,
                                           "how long a file in the inbox must be unchanged before a run takes it")
    # Portal uploads arriving within this window are decided in one batch of the pipeline: on deadline day fifty
    # uploads cost about one run instead of fifty, for at most this much more wait when one arrives alone. 0: each
    # upload is judged at once in its own request, one at a time (the path before batching; the baseline).
    portal_window_seconds: float = variable("IPWATCH_PORTAL_WINDOW_SECONDS", 1.0, amount,
                                            "how long the portal gathers uploads before deciding them together; "
                                            "0: each at once, one at a time")
    # A portal keeps the warehouse open this long after its last request: the next page finds DuckDB's database open
    # and its cache warm; another process (a manual ingest, the scheduler) waits that much longer for its turn.
    portal_keep_open_seconds: float = variable("IPWATCH_PORTAL_KEEP_OPEN_SECONDS", 2.0, amount,
                                               "how long the portal keeps the warehouse open after its last "
                                               "request, for the next")
    max_file_mb: float = variable("IPWATCH_MAX_FILE_MB", 50.0, amount,
                                  "the largest file accepted (MB), by the intake and the portal")
    max_rows: int = variable("IPWATCH_MAX_ROWS", 200_000, whole,
                             "the most data rows a file may hold")
    max_columns: int = variable("IPWATCH_MAX_COLUMNS", 64, whole,
                                "how many of a sheet's columns are read, from the first")
    max_unzipped_mb: float = variable("IPWATCH_MAX_UNZIPPED_MB", 200.0, amount,
                                      "the most an xlsx may unzip to (MB), as its package declares")
    earliest_year: int | None = variable("IPWATCH_EARLIEST_YEAR", None, whole,
                                         "the first year a period may be in; unset: the earliest plan's base year")
    bulletin_office: str | None = variable("IPWATCH_BULLETIN_OFFICE", None, str,
                                           "the office that issues the bulletins where a plan names none")
    font_dir: Path | None = variable("IPWATCH_FONT_DIR", None, Path,
                                     "a folder searched first for the charts' font (Noto Sans CJK SC)")
    chromium: str = variable("IPWATCH_CHROMIUM", "/usr/bin/chromium", str,
                             "the Chromium that prints PDFs")
    dask_address: str | None = variable("IPWATCH_DASK_ADDRESS", None, str,
                                        "the Dask scheduler of `--runner dask` (`tcp://host:8786`); unset: a "
                                        "LocalCluster for the run")
    notify_block: str | None = variable("IPWATCH_NOTIFY_BLOCK", None, str,
                                        "the Prefect block notices are sent through (`<block type slug>/<name>`); "
                                        "unset: only logged")
    web_secret: str | None = variable("IPWATCH_WEB_SECRET", None, str,
                                      "the key signing the portal's session cookies; unset: one made and kept in "
                                      "`<home>/portal/secret.key`", secret=True)
    prefect_home: Path | None = variable("PREFECT_HOME", None, Path,
                                         "Prefect's own, read by ipwatch too: where a command's own Prefect server "
                                         "keeps its database; unset: `<home>/prefect`")
    prefect_api_url: str | None = variable("PREFECT_API_URL", None, str,
                                           "Prefect's own, read by ipwatch too: the server commands and `serve` "
                                           "use; unset: `serve`'s while it runs, else Prefect's ephemeral one")


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings as the environment (or `env`) holds them now: read at each call, never kept from an earlier one;
    a value that cannot be used is a SettingError naming its variable."""
    given = os.environ if env is None else env
    values = {}
    for each in fields(Settings):
        raw = given.get(each.metadata["variable"], "")
        raw = raw if each.metadata["secret"] else raw.strip()  # a secret is used exactly as given, as before
        if raw.strip():
            values[each.name] = parsed(each.metadata["variable"], raw, each.metadata["parse"])
    return Settings(**values)


def parsed(name: str, raw: str, parse: Callable[[str], object]) -> object:
    """`raw` as its setting's type, or SettingError saying which variable holds what."""
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingError(f"环境变量 {name} {exc}: {raw!r}") from None


def set_defaults(values: Mapping[str, str], env: MutableMapping[str, str] | None = None) -> list[str]:
    """Give each variable its value where the environment (or `env`) has none, for Prefect and the subprocesses
    that read it; returns the names set."""
    target = os.environ if env is None else env
    missing = [name for name in values if not target.get(name)]
    target.update({name: values[name] for name in missing})
    return missing


def export(values: Mapping[str, str]) -> None:
    """Set variables in this process's environment, which the subprocesses it starts inherit."""
    os.environ.update(values)


def environment(changes: Mapping[str, str | None]) -> dict[str, str]:
    """This process's environment with `changes` made (None removes a variable): what a subprocess starts with."""
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


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
    def plan_drafts(self) -> Path:
        """A plan document an administrator uploaded to the portal, with its draft and review, `<id>/`."""
        return self.home / "plan_drafts"

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
    given = settings()
    return Workspace(Path(home or given.home).resolve(), given.warehouse, given.lake_data)
