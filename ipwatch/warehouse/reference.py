"""Load the reference data (catalogue, regions and what follows from them, status levels) into the warehouse:
`ipwatch init`."""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb
import polars as pl
import yaml

from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import obligations, periods, regions, rules
from ipwatch.warehouse import sql_files


def indicator_frame(catalogue: cat.Catalogue) -> pl.DataFrame:
    """The indicators table."""
    return pl.DataFrame([
        {"indicator_code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "category": i.category,
         "unit": i.unit, "measure": i.measure, "direction": i.direction, "min_value": i.bounds[0],
         "max_value": i.bounds[1], "numerator": i.numerator, "denominator": i.denominator, "scale": i.scale,
         "additive": i.additive, "frequency": i.frequency}
        for i in catalogue.indicators.values()
    ], infer_schema_length=None)


def alias_frame(catalogue: cat.Catalogue) -> pl.DataFrame:
    """The indicator_aliases table, from the same index intake resolves names with."""
    return pl.DataFrame(
        [{"alias": a, "indicator_code": c} for a, codes in cat.alias_index(catalogue).items() for c in sorted(codes)]
    )


def plan_frame(catalogue: cat.Catalogue) -> pl.DataFrame:
    """The plans table."""
    return pl.DataFrame([
        {"plan_id": p.plan_id, "title": p.title, "issuer": p.issuer, "document_number": p.document_number,
         "region_code": p.region_code, "period_start": p.period_start, "period_end": p.period_end,
         "applies_to": p.applies_to, "seed": p.seed, "key_targets": list(p.key_targets),
         "bulletin_office": p.bulletin_office}
        for p in catalogue.plans.values()
    ], infer_schema_length=None)


def target_frame(catalogue: cat.Catalogue) -> pl.DataFrame:
    """The targets table."""
    records = [cat.target_record(t, catalogue) for t in catalogue.targets()]
    frame = pl.DataFrame(records, infer_schema_length=None)
    return frame.drop("plan_region_code", "indicator_name_zh", "indicator_name_en", "indicator_unit")


def status_frame() -> pl.DataFrame:
    """The status_levels table, from data/status.yaml."""
    levels = yaml.safe_load(config.STATUS_FILE.read_text("utf-8"))
    return pl.DataFrame([{**level, "sort_order": n} for n, level in enumerate(levels)], infer_schema_length=None)


def settings_frame() -> pl.DataFrame:
    """The settings table: the rules' thresholds (expectations/rules/), the due day, the sign-off deadlines and the
    earliest year."""
    values = {**rules.thresholds(), "due_day": periods.due_day(),
              **{f"signoff_days_{level}": days for level, days in periods.signoff_days().items()},
              "earliest_year": periods.earliest_year()}  # rule period_not_before
    return pl.DataFrame({"name": list(values), "value": [float(v) for v in values.values()]})


def reference_frames(catalogue: cat.Catalogue | None = None) -> dict[str, pl.DataFrame]:
    """The reference tables' rows, from the catalogue and the region list shipped in data/."""
    catalogue = catalogue or cat.default()
    versions = regions.history()
    bound = obligations.target_regions(catalogue, versions)
    return {"regions": regions.load(), "region_history": versions, "jurisdiction": regions.jurisdictions(versions),
            "indicators": indicator_frame(catalogue),
            "indicator_aliases": alias_frame(catalogue), "plans": plan_frame(catalogue),
            "targets": target_frame(catalogue), "status_levels": status_frame(), "settings": settings_frame(),
            "target_regions": bound, "required_indicators": obligations.required_indicators(catalogue, bound)}


def initialise(ws: config.Workspace, catalogue: cat.Catalogue | None = None, *, force: bool = False) -> None:
    """Create or upgrade the warehouse and load the reference data; idempotent. One transaction for both: a
    reference table is made anew (empty) by the schema and filled here, and on a lake another process's
    validation must never read it in between (it would find no region known and no indicator required).
    Nothing is done when the warehouse holds these very rows on this very schema already (its `stamp`): every run
    comes here first, and reloading was 0.35 s of a clerk's one file. `force` (ipwatch init) reloads anyway."""
    ws.ensure()
    frames = reference_frames(catalogue)
    current = stamp(frames)

    with warehouse.connect(ws.warehouse) as conn:
        if not force and loaded_stamp(conn) == current:
            return

        def work() -> None:
            warehouse.build_schema(conn)
            for name, frame in frames.items():
                warehouse.replace_rows(conn, name, frame)
            conn.execute(warehouse.sql("fill_region_names"))  # made anew (empty) by the schema, as each above
            # a warehouse's sign-off governs what is reported from now on; what it holds was reported before
            conn.execute(warehouse.sql("begin_signoff"), {
                "quarter": periods.first_not_yet_due(config.local_date(datetime.now().astimezone())),
                "set_by": "ipwatch init", "set_at": datetime.now(), "only_first": True})
            conn.execute(warehouse.sql("set_reference_stamp"), {"stamp": current})

        warehouse.atomic(conn, work)


# What initialise runs besides the reference rows: a change to any of them changes the stamp.
STAMPED_SQL = ("seed_counters", "fill_region_names", "begin_signoff", "set_reference_stamp")


def stamp(frames: dict[str, pl.DataFrame]) -> str:
    """A hash of what initialise would load: the schema's version and SQL (tables, macros, views) and the rows
    of every reference table."""
    digest = hashlib.sha256(f"schema {warehouse.SCHEMA_VERSION}\n".encode())
    for name in (*sql_files.tables(), *sql_files.built(), *STAMPED_SQL):
        digest.update(f"{name}\n{warehouse.sql(name)}\n".encode())
    for name, frame in sorted(frames.items()):
        digest.update(f"{name}\n{frame.schema}\n".encode())
        digest.update(frame.write_json().encode())
    return digest.hexdigest()


def loaded_stamp(conn: duckdb.DuckDBPyConnection) -> str | None:
    """The stamp of the reference rows the warehouse holds; None when it is new or older than stamps, or records
    another schema version than this ipwatch's (an upgrade to make, whatever the stamp says)."""
    try:
        loaded, version = conn.execute(warehouse.sql("current_reference_stamp")).fetchone()
    except duckdb.CatalogException:
        return None
    return loaded if version == warehouse.SCHEMA_VERSION else None
