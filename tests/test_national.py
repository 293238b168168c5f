"""The national benchmark's workload, small: two prefectures' quarter (tests/national.py), every fault found."""

from __future__ import annotations

import pytest

from ipwatch import config, warehouse

from . import national
from .conftest import process, through

QUARTER = "2026Q3"


@pytest.fixture(scope="module")
def drop(tmp_path_factory, catalogue):
    """Jinan's counties (CSV and xlsx tables) and Shenyang's (the Excel form), a third of the files faulty."""
    tmp = tmp_path_factory.mktemp("national")
    counties = national.counties("3701") + national.counties("2101")
    ws = national.workspace(tmp / "home", catalogue, counties, QUARTER)
    files = national.quarter_files(tmp / "files", catalogue, counties, QUARTER, seed=3, rates=(0.3, 0.3))
    with warehouse.connect(ws.warehouse) as conn:
        alone = {f.path.name: through(conn, ws, f.path, f.office, "explain", catalogue).findings for f in files}
        together = process(conn, ws, catalogue, [(f.path, f.office) for f in files])
    return files, alone, {r["file"].rsplit("/", 1)[-1]: r for r in together}


def test_the_drop_mixes_the_formats_offices_send(drop):
    files, _, _ = drop
    assert {f.kind for f in files} == set(national.WRITERS)


def test_every_injected_fault_is_found_by_its_rule(drop, catalogue):
    files, _, results = drop
    faulty = [f for f in files if f.fault]
    assert len(faulty) >= 10 and {f.fault for f in faulty} & set(national.ERROR_FAULTS)
    missed = [(f.path.name, f.fault) for f in faulty if not national.found(f, results[f.path.name])]
    assert missed == []
    for f in faulty:
        expected = "rejected" if f.fault in national.ERROR_FAULTS else "accepted_with_warnings"
        assert results[f.path.name]["status"] == expected, f


def test_no_clean_file_is_rejected(drop):
    files, _, results = drop
    assert [f.path.name for f in files if not f.fault and results[f.path.name]["status"] == "rejected"] == []


def test_the_batch_gives_each_file_the_verdict_it_had_alone(drop):
    files, alone, results = drop
    for f in files:
        batch = sorted((x["rule"], x["line"], x["value"]) for x in results[f.path.name]["errors"]
                       + results[f.path.name]["warnings"])
        assert batch == sorted((x.rule, x.line, x.value) for x in alone[f.path.name]), f.path.name


def test_history_is_in_place_before_the_drop(tmp_path, catalogue):
    counties = national.counties("3701")
    ws = national.workspace(tmp_path / "h", catalogue, counties, QUARTER)
    with warehouse.connect(config.workspace(ws.home).warehouse, read_only=True) as conn:
        quarters = conn.sql("select count(distinct period), min(period), max(period) from observations").fetchone()
    assert quarters == (20, "2021Q3", "2026Q2")
