"""The DuckLake warehouse (catalog in a real PostgreSQL, Parquet data) beside the embedded DuckDB file: the same
files loaded into both read the same in every public view and render the same bulletin."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ipwatch import cli, config, warehouse
from ipwatch.bulletins import bulletin
from ipwatch.domain import regions
from ipwatch.ops import demo
from ipwatch.warehouse import lake, reference

from .conftest import process, write_csv

PUBLIC_VIEWS = ("observations", "observations_all", "findings", "progress")
# What tells two loads apart though their data are the same: the moment each file was received, which bulletins
# print (data as of, first received) and the views carry.
MOMENTS = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}")


def hefei_files(catalogue, folder: Path) -> list[tuple[Path, str]]:
    """Hefei's office's files for the last four quarters of its plan, as the demo writes them; the third quarter's
    first sent as a flawed draft (rejected), and 2025Q2 sent again with one value changed (a correction)."""
    plan = catalogue.plans["hefei-2022"]
    rows = demo.plan_regions(plan, regions.history(), "2025Q4")
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for quarter in demo.plan_quarters(plan, "2025Q4", most=4):
        path = folder / f"340100-{quarter}.csv"
        demo.submission(plan, catalogue, rows, quarter).write_csv(path)
        files += [(demo.flawed_copy(path), "340100")] if quarter == "2025Q3" else []
        files.append((path, "340100"))
    files.append((write_csv(folder / "340100-2025Q2-fix.csv", ["340100,2025Q2,patent_attorneys,1234,人,更正"]),
                  "340100"))
    return files


def public_views(conn, numbered: bool = True) -> dict[str, pl.DataFrame]:
    """Each public view, every row, in one order, without the moments files were received. A file's findings
    are numbered in the order its rules' queries return them, which no engine promises: findings are compared
    without their number (their numbers are compared as a set). Not `numbered`: without submission ids either,
    which writers at once take in the order they come, with each file's outcome instead."""
    hidden = {"findings": ["finding_id"]} | ({} if numbered else dict.fromkeys(
        ("observations", "observations_all", "findings"), ["finding_id", "submission_id"]))
    read = {}
    for view in PUBLIC_VIEWS:
        frame = conn.sql(f"select * from {view}").pl().drop(hidden.get(view, []), strict=False)
        read[view] = frame.drop([c for c in frame.columns if c.endswith(("received_at", "decided_at"))]).sort(
            pl.all(), nulls_last=True)
    if numbered:
        read["finding_ids"] = conn.sql("select finding_id from findings order by all").pl()
    else:
        read["submissions"] = conn.sql("select file_name, office_code, status, row_count from submissions").pl(
            ).sort(pl.all())
    return read


@pytest.fixture(scope="module")
def both(tmp_path_factory, postgres, catalogue):
    """The same files loaded into an embedded warehouse and into a DuckLake, their outcomes, views and the Hefei
    bulletin of 2025Q4 rendered from each."""
    root = tmp_path_factory.mktemp("both")
    files = hefei_files(catalogue, root / "files")
    loaded = {}
    catalog = f"{config.LAKE_PREFIX}postgres:{postgres.create_database('both')}"
    for name, ws in (("duckdb", config.Workspace(root / "embedded")),
                     ("lake", config.Workspace(root / "lake-home", catalog, f"{root / 'lake-data'}/"))):
        reference.initialise(ws)
        with warehouse.connect(ws.warehouse) as conn:
            outcomes = process(conn, ws, catalogue, files)
            pages = bulletin.render(conn, "2025Q4", root / name / "bulletins", region="340100")
            loaded[name] = {"outcomes": outcomes, "views": public_views(conn), "ws": ws,
                            "pages": {p.name: p.read_text("utf-8") for p in pages}}
    return loaded


def test_the_lake_is_a_ducklake_with_its_catalog_in_postgres_and_its_data_in_parquet(both):
    ws = both["lake"]["ws"]
    assert isinstance(ws.warehouse, config.Lake)
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        (kind, path) = conn.sql(f"select type, path from duckdb_databases() where database_name = '{lake.NAME}'"
                                ).fetchone()
        assert (kind, path.startswith("postgres:dbname=both ")) == ("ducklake", True)
    assert list(Path(ws.warehouse.data_path).rglob("*.parquet"))
    assert not (ws.home / "warehouse.duckdb").exists()


def test_both_warehouses_decide_every_file_alike(both):
    def decided(name: str) -> list[tuple]:
        return [(Path(o["file"]).name, o["status"], o["rows"], [e["rule"] for e in o["errors"]],
                 sorted(w["rule"] for w in o["warnings"])) for o in both[name]["outcomes"]]

    assert decided("lake") == decided("duckdb")
    # 4 quarterly files and a correction accepted, the draft (a mistyped region code on its line 3) rejected
    assert [s for _, s, *_ in decided("lake")].count("rejected") == 1
    assert [errors for *_, errors, _ in decided("lake") if errors] == [["region_known"]]


@pytest.mark.parametrize("view", [*PUBLIC_VIEWS, "finding_ids"])
def test_each_public_view_reads_the_same_on_both(both, view):
    embedded, lake_view = both["duckdb"]["views"][view], both["lake"]["views"][view]
    assert embedded.height > 0
    # floats to the last few bits: DuckDB's parallel sums do not promise an order, on one engine or two
    assert_frame_equal(lake_view, embedded, check_exact=False, rel_tol=1e-12)


def test_the_correction_supersedes_and_both_keep_every_version(both, tmp_path_factory):
    sent = pl.read_csv(next(tmp_path_factory.getbasetemp().glob("both*/files/340100-2025Q2.csv")))
    (first,) = sent.filter((pl.col("region_code") == 340100) & (pl.col("indicator_code") == "patent_attorneys")
                           )["value"]
    for name in ("duckdb", "lake"):
        versions = both[name]["views"]["observations_all"].filter(
            (pl.col("region_code") == "340100") & (pl.col("period") == "2025Q2")
            & (pl.col("indicator_code") == "patent_attorneys"))
        assert versions.select(pl.col("value").cast(pl.Float64), "is_current").sort("is_current").rows() == [
            (first, False), (1234.0, True)]


def test_a_bulletin_rendered_from_the_lake_is_the_one_from_the_duckdb_file(both):
    embedded, lake_pages = both["duckdb"]["pages"], both["lake"]["pages"]
    assert sorted(lake_pages) == sorted(embedded) == ["2025Q4-hefei-2022.html"]
    page = "2025Q4-hefei-2022.html"
    assert "合肥市" in lake_pages[page] and MOMENTS.search(lake_pages[page])
    assert MOMENTS.sub("<moment>", lake_pages[page]) == MOMENTS.sub("<moment>", embedded[page])


def test_the_warehouse_setting_chooses_the_lake_for_every_command(tmp_path, postgres, monkeypatch, capsys):
    catalog = postgres.create_database("chosen")
    monkeypatch.setenv("IPWATCH_WAREHOUSE", f"ducklake:postgres:{catalog} password=secret")
    monkeypatch.setenv("IPWATCH_LAKE_DATA", str(tmp_path / "data"))
    assert cli.main(["--home", str(tmp_path / "home"), "init"]) == 0
    said = capsys.readouterr().out
    assert "ducklake:postgres:dbname=chosen" in said and "secret" not in said
    assert cli.main(["--home", str(tmp_path / "home"), "progress", "--region", "340100", "--period", "2025Q3"]) == 0
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()


def test_a_warehouse_setting_that_names_no_lake_is_refused(tmp_path):
    with pytest.raises(ValueError, match="ducklake:"):
        warehouse.connect(config.Workspace(tmp_path, "postgres:dbname=x").warehouse)
