"""Numbers as written (#26, item 7): only what a person reads as one number becomes a value, exactly, and the rules
judge exactly what was typed; an indicator code beside another indicator's name is an error naming both."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from ipwatch.intake import normalise, template
from ipwatch.intake.batch import Incoming
from ipwatch.intake.pipeline import process

from .conftest import fill, write_csv


@pytest.mark.parametrize("raw", ["1_425", "1 5", "10²", "①", "١٢", "1e3", "1E-2", "１ ２", "12.5.1", "+-3", "٣.5"])
def test_what_no_person_reads_as_one_number_is_no_number(raw):
    assert normalise.number(raw, percent_allowed=False) is None


@pytest.mark.parametrize(("raw", "value"), [
    ("１２３４", Decimal(1234)), ("１，２３４．５", Decimal("1234.5")), ("  42 ", Decimal(42)),
    ("\u300042\u3000", Decimal(42)), ("-0.00000000001", Decimal("-0.00000000001")),
    ("1424.99999999999", Decimal("1424.99999999999")), (".5", Decimal("0.5")),
])
def test_a_number_is_kept_exactly_as_typed(raw, value):
    got = normalise.number(raw, percent_allowed=False)
    assert got == value


def test_the_rounding_the_warehouse_needs_is_recorded_beside_the_value():
    assert normalise.stored(Decimal("1424.99999999999")) == (Decimal("1425.0000000000"), -1)
    assert normalise.stored(Decimal("-0.00000000001")) == (Decimal("0E-10"), -1)
    assert normalise.stored(Decimal("100.00000000001")) == (Decimal("100.0000000000"), 1)
    assert normalise.stored(Decimal("0.1234567890")) == (Decimal("0.1234567890"), 0)


def outcome(conn, ws, tmp_path, rows: list[str], name: str = "s.csv") -> dict:
    path = write_csv(tmp_path / name, rows)
    return process(conn, ws, [Incoming(path, "340100")])[0]


@pytest.mark.parametrize(("typed", "rule"), [
    ("1_425", "value_numeric"), ("1 5", "value_numeric"), ("10²", "value_numeric"), ("①", "value_numeric"),
    ("١٢", "value_numeric"), ("1424.99999999999", "count_whole"),
])
def test_a_count_typed_other_than_as_one_whole_number_is_refused_naming_its_cell(conn, ws, tmp_path, typed, rule):
    result = outcome(conn, ws, tmp_path, [f"340100,2025Q3,pct_applications,{typed},件,"])
    assert result["status"] == "rejected"
    (error,) = result["errors"]
    assert (error["rule"], error["line"], error["column_name"], error["value"], error["indicator"]) == (
        rule, 2, "数值", typed, "pct_applications")
    assert conn.execute("select count(*) from observations").fetchone() == (0,)


@pytest.mark.parametrize(("typed", "side"), [("-0.00000000001", "below"), ("100.00000000001", "above")])
def test_a_percentage_a_hair_beyond_its_bounds_is_refused(conn, ws, tmp_path, typed, side):
    result = outcome(conn, ws, tmp_path, [f"340100,2025Q3,ip_civil_first_instance_acceptance_rate,{typed},%,"])
    assert [(e["rule"], e["line"]) for e in result["errors"]] == [("value_in_bounds", 2)], side


def test_a_value_on_its_bound_with_trailing_zeros_is_accepted(conn, ws, tmp_path):
    result = outcome(conn, ws, tmp_path, ["340100,2025Q3,ip_civil_first_instance_acceptance_rate,100.000000000000,%,"])
    assert result["errors"] == []
    assert conn.execute("select value from observations").fetchone() == (Decimal(100),)


def test_a_code_beside_another_indicators_name_is_an_error_naming_both(conn, ws, tmp_path):
    path = write_csv(tmp_path / "named.csv", ["340100,2025Q3,pct_applications,有效注册商标量,700,件"],
                     header="行政区划代码,报告期,指标代码,指标名称,数值,计量单位")
    result = process(conn, ws, [Incoming(path, "340100")])[0]
    (error,) = result["errors"]
    assert (error["rule"], error["line"], error["indicator"]) == ("indicator_name_matches", 2, "pct_applications")
    assert "PCT国际专利申请量" in error["fix"] and "有效注册商标量" in error["fix"]
    assert "registered_trademarks_in_force" in error["fix"]


@pytest.mark.parametrize("name", ["PCT国际专利申请量", "专利合作条约(PCT)专利申请量", "ＰＣＴ国际专利申请量",
                                  "PCT申请（件）"])
def test_a_code_beside_its_own_name_or_an_unknown_wording_is_fine(conn, ws, tmp_path, name):
    path = write_csv(tmp_path / "named.csv", [f"340100,2025Q3,pct_applications,{name},700,件"],
                     header="行政区划代码,报告期,指标代码,指标名称,数值,计量单位")
    result = process(conn, ws, [Incoming(path, "340100")])[0]
    assert result["errors"] == []


def test_the_form_refuses_a_name_typed_over_another_indicators(conn, ws, tmp_path):
    from openpyxl import load_workbook

    path = fill(template.write_template(tmp_path / "f.xlsx", "340100", "2025Q3"), {"pct_applications": 700})
    book = load_workbook(path)
    sheet = book[template.FORM_SHEET]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "pct_applications")
    sheet.cell(row=row, column=2).value = "市场主体数量"
    book.save(path)
    result = process(conn, ws, [Incoming(path, "340100")])[0]
    assert [(e["rule"], e["cell"]) for e in result["errors"]] == [("indicator_name_matches", f"填报表!A{row}")]


# What a person reads as one number, generated: digits (ASCII or full-width), grouped by commas in threes or not,
# a sign, a decimal part; and what nobody does: the same with a stray character spliced in.
WIDE = dict(zip("0123456789.,-+", "０１２３４５６７８９．，－＋", strict=True))
STRAYS = ["_", " ", "²", "①", "١", "e", "E", "..", "٫", "\u2009", "x", ",,"]


def person_number(rng: random.Random) -> tuple[str, Decimal]:
    """A number as someone types it, and what they mean by it."""
    whole = rng.choice([0, rng.randrange(1, 1000), rng.randrange(1000, 10**9)])
    places = rng.choice([0, 0, 1, 2, 5, 10, 11, 13])
    fraction = "".join(rng.choice("0123456789") for _ in range(places))
    sign = rng.choice(["", "", "-", "+"])
    digits = f"{whole:,}" if whole >= 1000 and rng.random() < 0.5 else str(whole)
    typed = sign + digits + (f".{fraction}" if places else "")
    meant = Decimal(sign + str(whole) + (f".{fraction}" if places else ""))
    if rng.random() < 0.3:
        typed = "".join(WIDE.get(c, c) for c in typed)
    return " " * rng.randrange(2) + typed + " " * rng.randrange(2), meant


def test_generated_numbers_are_read_as_a_person_reads_them_or_not_at_all():
    rng = random.Random(26)
    for _ in range(3000):
        typed, meant = person_number(rng)
        assert normalise.number(typed, percent_allowed=False) == meant, typed
        core = typed.strip()
        cut = rng.randrange(0, len(core) + 1)
        spliced = core[:cut] + rng.choice(STRAYS) + core[cut:]
        got = normalise.number(spliced, percent_allowed=False)
        # a stray character inside a number makes it no number; at its ends, a space is only a space
        assert got is None if 0 < cut < len(core) else got in (None, meant), spliced


def typed_count(rng: random.Random) -> tuple[str, Decimal]:
    """A count within pct_applications' bounds (0–50000) as someone types it, and what they mean: whole, or with
    a fraction however small (trailing zeros are no fraction)."""
    whole = rng.randrange(0, 50000)
    fraction = rng.choice(["", "", "0", "0000000000000", "5", "00000000001", "99999999999999"])
    digits = f"{whole:,}" if whole >= 1000 and rng.random() < 0.5 else str(whole)
    typed = digits + (f".{fraction}" if fraction else "")
    if rng.random() < 0.3:
        typed = "".join(WIDE.get(c, c) for c in typed)
    return typed, Decimal(f"{whole}.{fraction or 0}")


def test_generated_counts_are_stored_as_meant_or_refused(conn, ws, tmp_path):
    rng = random.Random(7)
    typed = [typed_count(rng) for _ in range(40)]
    quarters = [f"{2015 + n // 4}Q{n % 4 + 1}" for n in range(len(typed))]
    rows = [f'340100,{q},pct_applications,"{t}",件,' for q, (t, _) in zip(quarters, typed, strict=True)]
    result = process(conn, ws, [Incoming(write_csv(tmp_path / "gen.csv", rows), "340100")])[0]
    fractional = {line for line, (_, v) in enumerate(typed, start=2) if v != v.to_integral_value()}
    assert fractional and {(e["line"], e["rule"]) for e in result["errors"]} == {(n, "count_whole") for n in fractional}
    whole = [(q, t, v) for line, (q, (t, v)) in enumerate(zip(quarters, typed, strict=True), start=2)
             if line not in fractional]
    accepted = process(conn, ws, [Incoming(write_csv(tmp_path / "whole.csv", [
        f'340100,{q},pct_applications,"{t}",件,' for q, t, _ in whole]), "340100")])[0]
    assert accepted["errors"] == []
    assert dict(conn.execute("select period, value from observations").fetchall()) == {q: v for q, _, v in whole}
