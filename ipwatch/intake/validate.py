"""Validate a batch of staged submissions with Great Expectations, inside DuckDB; rules in expectations/."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl
import yaml

from ipwatch import config, warehouse
from ipwatch.domain import labels
from ipwatch.domain.finding import Finding, not_listed
from ipwatch.intake.suite import SUITE_FILE

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.data_context import EphemeralDataContext


@dataclass(frozen=True)
class Rule:
    """One validation rule: an SQL query whose rows are the failing cells."""

    id: str
    severity: str
    column: str
    message_zh: str
    message_en: str
    query: str

    @property
    def message(self) -> str:
        return f"{self.message_zh} ({self.message_en})"


class RuleFailed(RuntimeError):
    """A rule could not run over a batch (its SQL failed): which rule and column, for the office's message; the
    database's own text (SQL and all) is for the operator's log only."""

    def __init__(self, rule: str, column: str, detail: str):
        super().__init__(f"validation rule {rule} could not run: {detail}")
        self.rule, self.column = rule, column


def rules(path: Path = SUITE_FILE) -> list[Rule]:
    """The rules of the submission suite, as reviewed in expectations/."""
    return [Rule(**raw) for raw in yaml.safe_load(path.read_text("utf-8"))["rules"]]


class Validator:
    """A GX ephemeral context whose SQL datasource runs on the warehouse connection it is bound to.

    Building the context takes about a second, so one validator serves every run of a process on a workspace.
    GX makes its SQLAlchemy engine once, at set-up; the engine asks `creator` for a connection at each query,
    which hands it a cursor of the connection bound for the current batch (`bound`), never a stale one.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection, rules_file: Path = SUITE_FILE,
                 results_dir: Path | None = None):
        from ipwatch.intake.gx_duckdb import great_expectations

        gx = great_expectations()
        from great_expectations.core.partitioners import PartitionerColumnValue
        from sqlalchemy.pool import NullPool

        self.rules = {r.id: r for r in rules(rules_file)}
        self.version = hashlib.sha256(rules_file.read_bytes()).hexdigest()[:12]
        self._conn: duckdb.DuckDBPyConnection | None = None
        context = gx_context(results_dir)
        with self.bound(conn):  # GX tries the connection as it adds the source and the table
            source = context.data_sources.add_sql(
                "warehouse", connection_string="duckdb://", create_temp_table=False,
                kwargs={"creator": self._cursor, "poolclass": NullPool},
            )
            asset = source.add_table_asset("batch_rows", table_name="batch_rows")
        batches = asset.add_batch_definition(
            "by_batch", partitioner=PartitionerColumnValue(column_name="batch_id"), validate_partitioner=False,
        )
        suite = context.suites.add(expectation_suite(self.rules.values()))
        self.definition = context.validation_definitions.add(
            gx.ValidationDefinition(name="submission_rows", data=batches, suite=suite)
        )

    def _cursor(self) -> object:
        from ipwatch.intake.gx_duckdb import BufferedConnection

        if self._conn is None:
            raise RuntimeError("validator used outside Validator.bound")
        return BufferedConnection(warehouse.cursor(self._conn))

    @contextmanager
    def bound(self, conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """GX's queries go to `conn` for the duration."""
        self._conn = conn
        try:
            yield
        finally:
            self._conn = None

    def run(self, conn: duckdb.DuckDBPyConnection, submission_ids: list[int]) -> dict[int, list[Finding]]:
        """Every finding of every rule for each submission, validated together as one batch: each rule runs
        once over all their rows (GX's batch), and its failing rows go back to their submission and line."""
        from great_expectations.core.run_identifier import RunIdentifier

        if not submission_ids:
            return {}
        started = datetime.now()
        batch_id = stage_batch(conn, submission_ids)
        with self.bound(conn):
            # The run's name finds it in Data Docs; GX keeps the whole result there (see gx_context).
            result = self.definition.run(batch_parameters={"batch_id": batch_id},
                                         result_format={"result_format": "COMPLETE"},
                                         run_id=RunIdentifier(f"batch-{batch_id}", started.astimezone()))
        failing = {rule_id: self.failing_rows(conn, batch_id, rule_id, outcome)
                   for rule_id, outcome in self.outcomes(result)}
        findings = {sid: [] for sid in submission_ids}
        for rule_id, (rows, counts) in failing.items():
            rule = self.rules[rule_id]
            message = rule.message  # one string for every row it finds, not one a row
            for row in rows:
                line = None if row["line"] is None else int(row["line"])
                findings[int(row["submission_id"])].append(Finding(
                    rule.id, rule.severity, line, rule.column, None if row["value"] is None else str(row["value"]),
                    message))
            shown = Counter(int(row["submission_id"]) for row in rows)
            for sid, found in counts.items():  # a rule's rows beyond those listed are counted in one finding
                if found > shown[sid]:
                    findings[sid].append(not_listed(rule.id, rule.column, labels.rule(rule.id), found - shown[sid],
                                                    shown[sid]))
        record_runs(conn, batch_id, self.version, started, {r: counts for r, (_, counts) in failing.items()},
                    self.rules)
        return {sid: sorted(found, key=lambda f: (f.line is None, f.line or 0, f.rule))
                for sid, found in findings.items()}

    def outcomes(self, result: object) -> Iterator[tuple[str, object]]:
        """(rule id, GX outcome) of each expectation; a rule that could not run stops the batch."""
        for outcome in result.results:
            rule_id = outcome.expectation_config.meta["rule"]
            info = outcome.exception_info or {}
            errors = [info] if "raised_exception" in info else list(info.values())
            raised = [e["exception_message"] for e in errors if e.get("raised_exception")]
            if raised:
                raise RuleFailed(rule_id, self.rules[rule_id].column, raised[0])
            yield rule_id, outcome

    def failing_rows(self, conn: duckdb.DuckDBPyConnection, batch_id: int, rule_id: str,
                     outcome: object) -> tuple[list[dict], Counter]:
        """The rows GX found failing, and how many each submission has in all. All of a warning's rows (each holds
        its value for audit); of an error's, each submission's first `listed_per_rule` by line. Read again where
        GX listed only its first MAX_RESULT_RECORDS (200)."""
        if outcome.success:
            return [], Counter()
        rows = outcome.result["details"]["unexpected_rows"]
        most = listed_per_rule() if self.rules[rule_id].severity == "error" else None
        if outcome.result["observed_value"] <= len(rows):
            counts = Counter(int(row["submission_id"]) for row in rows)
            return (rows if most is None else first_rows(rows, most)), counts
        # the same query, read whole: of each row what a finding keeps (every column of 200,000 wrong rows, as
        # dicts, was half a gigabyte of a hostile file's run), and of an error's only the rows a report lists
        frame = conn.execute(batch_query(self.rules[rule_id].query), {"batch_id": batch_id}).pl()
        frame = frame.select("submission_id", "line", "value")
        counts = Counter(dict(frame.group_by("submission_id").len().iter_rows()))
        if most is not None:
            frame = frame.sort("line", nulls_last=True, maintain_order=True).filter(
                pl.int_range(pl.len()).over("submission_id") < most)
        return frame.to_dicts(), counts


def first_rows(rows: list[dict], most: int) -> list[dict]:
    """Each submission's first `most` rows by line."""
    taken: Counter = Counter()
    kept = []
    for row in sorted(rows, key=lambda r: (r["line"] is None, r["line"] or 0)):
        taken[row["submission_id"]] += 1
        if taken[row["submission_id"]] <= most:
            kept.append(row)
    return kept


def listed_per_rule() -> int:
    """How many rows of one error rule a file's report lists (data/validation.yaml); the rest are counted."""
    return int(config.validation_settings()["listed_per_rule"])


def batch_query(query: str) -> str:
    """A rule's query with `{batch}` as GX substitutes it: the rows of one batch, `$batch_id` (rule_batch.sql)."""
    batch = "(\n" + warehouse.sql("rule_batch") + ")"  # on a line of its own: the file opens with comments
    return query.replace("{batch}", batch).replace("{{", "{").replace("}}", "}")


def stage_batch(conn: duckdb.DuckDBPyConnection, submission_ids: list[int]) -> int:
    """Put the submissions in a new validation batch, with the history its rules read; returns its id. The history
    is staged in a transaction of its own: on a lake it is the connection's scratch (lake.SCRATCH), and a
    transaction writes to one database only."""
    def work() -> int:
        (batch_id,) = warehouse.take_ids(conn, "validation_batch_ids", 1)
        warehouse.append_rows(conn, "validation_batches", pl.DataFrame(
            {"batch_id": [batch_id] * len(submission_ids), "submission_id": submission_ids},
            schema={"batch_id": pl.Int32, "submission_id": pl.Int32}))
        return batch_id

    batch_id = warehouse.atomic(conn, work)
    warehouse.atomic(conn, lambda: conn.execute(warehouse.sql("stage_batch_history"), {"batch_id": batch_id}))
    return batch_id


def record_runs(conn: duckdb.DuckDBPyConnection, batch_id: int, version: str, started: datetime,
                failing: dict[str, Counter], rules: dict[str, Rule]) -> None:
    """Keep each submission's run and each rule's outcome for it, so an auditor sees what was checked, with which
    suite, when, and with which other files."""
    members = [sid for (sid,) in conn.execute(warehouse.sql("batch_members"), {"batch_id": batch_id}).fetchall()]
    counts = Counter({(rule_id, sid): n for rule_id, found in failing.items() for sid, n in found.items()})
    outcomes = pl.DataFrame([
        {"submission_id": sid, "rule": r.id, "severity": r.severity, "success": counts[r.id, sid] == 0,
         "failing_rows": counts[r.id, sid]} for sid in members for r in rules.values()],
        schema={"submission_id": pl.Int32, "rule": pl.String, "severity": pl.String, "success": pl.Boolean,
                "failing_rows": pl.Int32})
    finished = datetime.now()

    def work() -> None:
        (first_run_id, *_) = warehouse.take_ids(conn, "validation_run_ids", len(members)) or [0]
        conn.execute(warehouse.sql("record_validation_runs"), {
            "batch_id": batch_id, "first_run_id": first_run_id, "suite_version": version, "started_at": started,
            "finished_at": finished})
        conn.execute(warehouse.sql("record_rule_outcomes"), {"batch_id": batch_id})

    conn.register("outcomes", outcomes)
    try:
        warehouse.atomic(conn, work)
    finally:
        conn.unregister("outcomes")
    conn.execute(warehouse.sql("clear_batch_history"), {"batch_id": batch_id})


def gx_context(results_dir: Path | None) -> EphemeralDataContext:
    """A GX context held in memory, except for validation results: GX writes each one as JSON under
    `results_dir` (its own store format), which is what Data Docs are built from (ipwatch/audit/data_docs.py)."""
    from ipwatch.intake.gx_duckdb import great_expectations

    gx = great_expectations()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")]:
        logging.getLogger(name).setLevel(logging.WARNING)  # GX sets some of its loggers to INFO itself
    defaults = InMemoryStoreBackendDefaults()
    stores = dict(defaults.stores)
    if results_dir is not None:
        stores[defaults.validation_results_store_name] = {"class_name": "ValidationResultsStore", "store_backend": {
            "class_name": "TupleFilesystemStoreBackend", "base_directory": str(results_dir)}}
    return gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=defaults, stores=stores, data_docs_sites={},
        progress_bars=ProgressBarsConfig(globally=False)))


def expectation_suite(rules: Iterable[Rule]) -> ExpectationSuite:
    """The rules as a GX suite; each expectation names its rule in `meta`."""
    from ipwatch.intake.gx_duckdb import great_expectations

    gx = great_expectations()
    import great_expectations.expectations as gxe

    return gx.ExpectationSuite(name="submission_rows", expectations=[
        gxe.UnexpectedRowsExpectation(unexpected_rows_query=r.query, meta={"rule": r.id},
                                      description=f"[{r.id}] {r.severity}: {r.message}") for r in rules])


# One validator per warehouse folder and process: building the GX context takes about a second. Made again when
# the suite's file changed (a plan added while a serve or the portal runs brings its rules).
_validators: dict[Path | None, tuple[tuple | None, Validator]] = {}
PINNED = None  # a validator of rules of its own (`pin`), kept whatever the suite's file says


def pin(folder: Path | None, validator: Validator | None) -> None:
    """Validate the warehouse of `folder` with `validator`'s own rules from now on (None: the suite's again)."""
    if validator is None:
        _validators.pop(folder, None)
    else:
        _validators[folder] = (PINNED, validator)


def run(conn: duckdb.DuckDBPyConnection, submission_ids: list[int]) -> dict[int, list[Finding]]:
    """Validate submissions as one batch; its GX result is kept under the warehouse's folder, in gx/validations/."""
    folder = warehouse.folder(conn)
    stat = SUITE_FILE.stat()
    written = (stat.st_mtime_ns, stat.st_size)
    if folder not in _validators or _validators[folder][0] not in (written, PINNED):
        _validators[folder] = (written, Validator(conn, results_dir=folder and results_dir(folder)))
    return _validators[folder][1].run(conn, submission_ids)


def results_dir(home: Path) -> Path:
    """Where GX keeps the full validation results of a workspace."""
    return home / "gx" / "validations"
