"""Validate a staged submission with Great Expectations, inside DuckDB; rules in expectations/."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl
import yaml

from ipwatch import warehouse
from ipwatch.load import Finding
from ipwatch.suite import SUITE_FILE

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


def rules(path: Path = SUITE_FILE) -> list[Rule]:
    """The rules of the submission suite, as reviewed in expectations/."""
    return [Rule(**raw) for raw in yaml.safe_load(path.read_text("utf-8"))["rules"]]


class Validator:
    """A GX ephemeral context whose SQL datasource runs on whichever warehouse connection is current."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, rules_file: Path = SUITE_FILE,
                 results_dir: Path | None = None):
        import great_expectations as gx
        from great_expectations.core.partitioners import PartitionerColumnValue
        from sqlalchemy.pool import NullPool

        from ipwatch.gx_duckdb import BufferedConnection

        self.conn = conn
        self.rules = {r.id: r for r in rules(rules_file)}
        self.version = hashlib.sha256(rules_file.read_bytes()).hexdigest()[:12]
        context = gx_context(results_dir)
        source = context.data_sources.add_sql(
            "warehouse", connection_string="duckdb://", create_temp_table=False,
            kwargs={"creator": lambda: BufferedConnection(self.conn.cursor()), "poolclass": NullPool},
        )
        batches = source.add_table_asset("submission_rows", table_name="submission_rows").add_batch_definition(
            "by_submission", partitioner=PartitionerColumnValue(column_name="submission_id"),
            validate_partitioner=False,
        )
        suite = context.suites.add(expectation_suite(self.rules.values()))
        self.definition = context.validation_definitions.add(
            gx.ValidationDefinition(name="submission_rows", data=batches, suite=suite)
        )

    def run(self, conn: duckdb.DuckDBPyConnection, submission_id: int) -> list[Finding]:
        """Every finding of every rule for one submission."""
        from great_expectations.core.run_identifier import RunIdentifier

        self.conn = conn
        started = datetime.now()
        # The run's name finds it in Data Docs; GX keeps the whole result there (see gx_context).
        result = self.definition.run(batch_parameters={"submission_id": submission_id},
                                     result_format={"result_format": "COMPLETE"},
                                     run_id=RunIdentifier(f"submission-{submission_id}", started.astimezone()))
        findings, outcomes = [], []
        for outcome in result.results:
            rule = self.rules[outcome.expectation_config.meta["rule"]]
            info = outcome.exception_info or {}
            errors = [info] if "raised_exception" in info else list(info.values())
            raised = [e["exception_message"] for e in errors if e.get("raised_exception")]
            if raised:
                raise RuntimeError(f"validation rule {rule.id} could not run: {raised[0]}")
            outcomes.append({"rule": rule.id, "severity": rule.severity, "success": outcome.success,
                             "failing_rows": outcome.result.get("observed_value") or 0})
            if outcome.success:
                continue
            rows = outcome.result["details"]["unexpected_rows"]
            for row in rows:
                line = None if row["line"] is None else int(row["line"])
                findings.append(Finding(rule.id, rule.severity, line, rule.column,
                                        None if row["value"] is None else str(row["value"]), rule.message))
            unlisted = outcome.result["observed_value"] - len(rows)
            if unlisted > 0:  # GX returns at most MAX_RESULT_RECORDS (200) rows per expectation
                findings.append(Finding(rule.id, rule.severity, None, rule.column, None,
                                        f"另有{unlisted}行同类问题未逐行列出 ({unlisted} more rows not listed): "
                                        + rule.message))
        record_run(conn, submission_id, self.version, started, outcomes)
        return sorted(findings, key=lambda f: (f.line is None, f.line or 0, f.rule))


def record_run(conn: duckdb.DuckDBPyConnection, submission_id: int, version: str, started: datetime,
               outcomes: list[dict]) -> int:
    """Keep the run and each rule's outcome, so an auditor sees what was checked, with which suite, when."""
    with warehouse.transaction(conn):
        (run_id,) = conn.execute(warehouse.sql("record_validation_run"), {
            "submission_id": submission_id, "suite_version": version, "started_at": started,
            "finished_at": datetime.now(), "rules": len(outcomes),
            "failed_rules": sum(not o["success"] for o in outcomes),
            "failing_rows": sum(o["failing_rows"] for o in outcomes),
        }).fetchone()
        warehouse.append_rows(conn, "validation_rule_outcomes", pl.DataFrame(
            [{"run_id": run_id, **o} for o in outcomes],
            schema={"run_id": pl.Int32, "rule": pl.String, "severity": pl.String, "success": pl.Boolean,
                    "failing_rows": pl.Int32}))
    return run_id


def gx_context(results_dir: Path | None) -> EphemeralDataContext:
    """A GX context held in memory, except for validation results: GX writes each one as JSON under
    `results_dir` (its own store format), which is what Data Docs are built from (ipwatch/data_docs.py)."""
    import great_expectations as gx
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
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx.ExpectationSuite(name="submission_rows", expectations=[
        gxe.UnexpectedRowsExpectation(unexpected_rows_query=r.query, meta={"rule": r.id},
                                      description=f"[{r.id}] {r.severity}: {r.message}") for r in rules])


# One validator per warehouse folder and process: building the GX context takes about a second.
_validators: dict[Path | None, Validator] = {}


def run(conn: duckdb.DuckDBPyConnection, submission_id: int) -> list[Finding]:
    """Validate one submission; its GX result is kept under the warehouse's folder, in gx/validations/."""
    folder = warehouse.folder(conn)
    if folder not in _validators:
        _validators[folder] = Validator(conn, results_dir=folder and results_dir(folder))
    return _validators[folder].run(conn, submission_id)


def results_dir(home: Path) -> Path:
    """Where GX keeps the full validation results of a workspace."""
    return home / "gx" / "validations"
