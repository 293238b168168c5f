"""What the plans ask of each region: the one definition the form, the portal and the warehouse share."""

from __future__ import annotations

import polars as pl
import pytest

from ipwatch.domain import obligations, regions


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return regions.load()


def test_an_each_county_target_binds_every_county_within_the_plan_region(catalogue, table):
    bound = obligations.target_regions(catalogue, regions.history())
    liaoning = bound.filter(pl.col("plan_id") == "liaoning-2017")
    county_targets = [t.target_id for t in catalogue.plans["liaoning-2017"].targets if t.applies_to == "each_county"]
    for target_id in county_targets:  # Liaoning has 100 county-level regions (test_regions)
        assert liaoning.filter(pl.col("target_id") == target_id).height == 100
    own = [t.target_id for t in catalogue.plans["liaoning-2017"].targets if t.applies_to == "plan_region"]
    assert set(liaoning.filter(pl.col("target_id").is_in(own))["region_code"]) == {"210000"}


def test_a_city_plan_binds_the_city_alone(catalogue, table):
    bound = obligations.target_regions(catalogue, regions.history()).filter(pl.col("plan_id") == "hefei-2022")
    assert set(bound["region_code"]) == {"340100"}
    assert bound.height == len(catalogue.plans["hefei-2022"].targets)


def test_a_region_reports_its_targets_indicators_and_each_ratios_parts(catalogue, table):
    hefei = obligations.required_codes(catalogue, table, "340100")
    asked = {t.indicator for t in catalogue.plans["hefei-2022"].targets}
    assert asked <= hefei
    for code in asked:
        indicator = catalogue.indicators[code]
        if indicator.numerator:
            assert {indicator.numerator, indicator.denominator} <= hefei
    assert obligations.required_codes(catalogue, table, "340102") == set()  # a district no plan binds


def test_the_warehouse_holds_what_the_form_asks(conn, catalogue, table):
    """`ipwatch init` stores the same answer the form gets."""
    rows = conn.execute("select region_code, indicator_code from required_indicators").fetchall()
    by_region: dict[str, set[str]] = {}
    for code, indicator in rows:
        by_region.setdefault(code, set()).add(indicator)
    for code in ("340100", "210102", "500116", "441521", "370000"):
        assert by_region.get(code, set()) == obligations.required_codes(catalogue, table, code), code


def test_the_portal_lists_under_an_office_exactly_the_regions_with_something_to_report(catalogue, table):
    """An office's region list: its own region and, within it, each region some plan asks indicators of, and no
    other. 辽宁 (its plan binds each of its 100 counties and the province): 101; 广东: itself, 汕尾 and its
    counties (汕尾's plan binds them); 合肥: itself alone (its plan binds the city)."""
    from ipwatch.portal import views

    for office, expected in (("210000", 101), ("440000", None), ("340100", 1)):
        listed = [r["region_code"] for r in views.plan_regions(office)]
        asked = sorted(code for code in regions.jurisdiction(table, office)
                       if code == office or obligations.required_codes(catalogue, table, code))
        assert listed == asked and len(listed) == (expected or len(asked)), office
    assert {"441500", "441521"} < {r["region_code"] for r in views.plan_regions("440000")}
