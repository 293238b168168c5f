"""Cell-level normalisation: numbers, statuses (periods: test_periods.py)."""

from decimal import Decimal

import pytest

from ipwatch.intake import normalise


@pytest.mark.parametrize(("raw", "value"), [
    ("1234.5", Decimal("1234.5")), ("１，２３４．５", Decimal("1234.5")), ("1,234,567", Decimal("1234567")),
    (" 12 ", Decimal("12")), ("0.1", Decimal("0.1")), ("-3", Decimal("-3")),
])
def test_numbers_as_offices_write_them(raw, value):
    assert normalise.number(raw, percent_allowed=False) == value


def test_percent_sign_only_on_a_percentage_indicator():
    assert normalise.number("92.5%", percent_allowed=True) == Decimal("92.5")
    assert normalise.number("92.5%", percent_allowed=False) is None


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "NaN", "Infinity", "12件", "1,2,3", "1,5", "12,34,567", "1,2345",
                                 ",123", "1,234,5"])
def test_not_a_number(raw):
    assert normalise.number(raw, percent_allowed=False) is None


@pytest.mark.parametrize("raw", ["1" + "0" * 40, "1000000000000000000000000000000", "-" + "9" * 99 + ".5"])
def test_a_number_too_large_to_hold_is_kept_as_the_largest_for_the_bounds_to_reject(raw):
    value = normalise.number(raw, percent_allowed=False)
    assert abs(value) == normalise.LARGEST and (value < 0) == raw.startswith("-")


def test_unit_conversion_of_the_largest_value_is_exact_and_bounded():
    assert normalise.converted(Decimal("1E18"), Decimal("1E4")) == normalise.LARGEST
    assert normalise.converted(Decimal("123456789012345678"), Decimal("1E-8")) == Decimal("1234567890.12345678")


@pytest.mark.parametrize(("raw", "status"), [
    ("", "正常"), (None, "正常"), ("正常", "正常"), ("初步", "初步"), ("估计", "估计"), ("缺失", "缺失"),
    ("provisional", "初步"), ("E", "估计"), ("不知道", None),
])
def test_status_words(raw, status):
    assert normalise.status(raw, available=True) == status


def test_missing_value_is_always_status_missing():
    assert normalise.status("正常", available=False) == "缺失"
    assert normalise.status("", available=False) == "缺失"


def test_an_unknown_status_beside_a_blank_value_is_not_taken_for_missing():
    assert normalise.status("大概", available=False) is None
