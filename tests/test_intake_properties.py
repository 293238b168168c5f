"""Whatever arrives, every file ends accepted, accepted_with_warnings, rejected or duplicate: never a traceback."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ipwatch.intake import pipeline
from ipwatch.intake.batch import Incoming

from .conftest import process, write_csv

OUTCOMES = {"accepted", "accepted_with_warnings", "rejected", "duplicate"}
HEADERS = ["region_code,period,indicator_code,value,unit,note",
           "行政区划代码,报告期,指标名称,数值,计量单位,数据状态,备注",
           "region_code\tperiod\tindicator_name\tvalue", "指标代码,数值", ""]
cells = st.one_of(
    st.sampled_from(["340100", "340102", "999999", "", "2025Q3", "2025年第三季度", "2099Q1", "pct_applications",
                     "专利代理师数量", "700", "１，２００", "/", "—", "-1", "1e40", "12%", "万元", "件", "初步", "缺失",
                     "=1+1", '"', "\n", ",", "\t"]),
    st.text(max_size=12),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=8), max_size=6)
counter = itertools.count()


def outcome(conn, ws, catalogue, tmp_path, content: bytes) -> str:
    """What the real intake path makes of these bytes."""
    path = tmp_path / f"f{next(counter)}.csv"
    path.write_bytes(content)
    return process(conn, ws, catalogue, [(path, "340100")])[0]["status"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300))
def test_random_bytes_never_escape(conn, ws, catalogue, tmp_path, content):
    assert outcome(conn, ws, catalogue, tmp_path, content) in OUTCOMES


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(HEADERS), body=rows, encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_near_valid_rows_never_escape(conn, ws, catalogue, tmp_path, header, body, encoding):
    separator = "\t" if "\t" in header else ","
    text = "\n".join([header, *(separator.join(r) for r in body)])
    try:
        content = text.encode(encoding)
    except UnicodeEncodeError:
        content = text.encode("utf-8")
    assert outcome(conn, ws, catalogue, tmp_path, content) in OUTCOMES


def hostile_xlsx(seed: int, cut: float) -> bytes:
    """A real xlsx, cut short or with one part's bytes garbled: what a damaged upload looks like."""
    book = Workbook()
    book.active.append(["行政区划代码", "报告期", "指标代码", "数值"])
    book.active.append(["340100", "2025Q3", "pct_applications", seed])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    return data[: max(4, int(len(data) * cut))] if cut < 1 else data[:200] + bytes([seed % 256]) * 50 + data[250:]


hostile = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda text, enc: text.encode(enc, "replace"), st.text(max_size=200), st.sampled_from(["utf-8", "gbk"])),
    st.builds(lambda a, b: ("region_code,period,indicator_code,value\n" + a).encode() + b.encode("gbk", "replace"),
              st.text(max_size=60), st.text(max_size=60)),
    st.builds(hostile_xlsx, st.integers(0, 10**6), st.floats(0.05, 1.0)),
    st.builds(lambda n, v: ("region_code,period,indicator_code,value,unit\n"
                            + f"340102,2025Q3,pct_applications,{v},件\n" * n).encode(),
              st.integers(0, 300), st.sampled_from(["1e30", "1,2,3", "9" * 40, "-0", "1,5", "７００"])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(hostile, min_size=1, max_size=3))
def test_hostile_files_beside_good_ones_stop_nothing(conn, ws, catalogue, bad):
    """Hostile files in an inbox beside good ones: every good file is accepted, every file decided and out of the
    inbox, every run ends."""
    folder = ws.inbox / "340100"
    folder.mkdir(parents=True, exist_ok=True)
    run = next(counter)
    good = [write_csv(folder / f"{run}-good-{q}.csv", [f"340102,{2021 + run % 4}Q{q},pct_applications,{run},件,"])
            for q in (1, 2)]
    hostile_paths = []
    for n, content in enumerate(bad):
        path = folder / f"{run}-bad-{n}.csv"
        path.write_bytes(content)
        hostile_paths.append(path)
    files = [Incoming(p, "340100", from_inbox=True) for p in [good[0], *hostile_paths, good[1]]]
    results = pipeline.process(conn, ws, files, catalogue)
    statuses = {Path(r["file"]).name: r["status"] for r in results}
    assert all(statuses[p.name].startswith("accepted") for p in good), statuses
    assert all(statuses[p.name] in OUTCOMES for p in hostile_paths), statuses
    assert not any(folder.iterdir())
