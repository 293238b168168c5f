"""The warehouse's helpers, on a real DuckDB file."""

from __future__ import annotations

from ipwatch import warehouse

from .conftest import process, write_csv


def test_a_snapshot_reads_as_the_view_and_goes_with_its_block(conn, ws, catalogue, tmp_path):
    process(conn, ws, catalogue, [(write_csv(tmp_path / "a.csv", ["340102,2025Q3,pct_applications,1,件,"]), "340100")])
    view = conn.sql("select * from progress order by all").fetchall()
    with warehouse.snapshot(conn, "progress"):
        assert conn.sql("select * from progress order by all").fetchall() == view
        kinds = conn.sql("select table_type from information_schema.tables where table_name = 'progress' "
                         "order by all").fetchall()
        assert kinds == [("LOCAL TEMPORARY",), ("VIEW",)]
    process(conn, ws, catalogue, [(write_csv(tmp_path / "b.csv", ["340102,2025Q4,pct_applications,9,件,"]), "340100")])
    assert conn.sql("select * from progress order by all").fetchall() != view  # the view again, not a stale copy
    with warehouse.snapshot(conn, "progress", period=["2025Q4"]):
        assert {p for (p,) in conn.sql("select distinct period from progress").fetchall()} == {"2025Q4"}
