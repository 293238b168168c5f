"""Whatever arrives, every file ends accepted, accepted_with_warnings, rejected or duplicate: never a traceback."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import process

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
