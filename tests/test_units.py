import pytest

from ipwatch.domain.units import UnitError, convert


def test_wan_yuan_to_yi_yuan():
    assert convert(5000, "万元", "亿元") == pytest.approx(0.5)


def test_yi_yuan_to_wan_yuan():
    assert convert(1.5, "亿元", "万元") == pytest.approx(15000)


def test_count_classifiers_are_interchangeable():
    assert convert(3, "个", "家") == 3


def test_short_form_of_ratio_unit_is_the_same_unit():
    assert convert(1.17, "件", "件/万人") == 1.17


def test_missing_unit_means_indicator_unit():
    assert convert(7, None, "件") == 7


def test_inconvertible_unit_is_an_error_in_chinese():
    with pytest.raises(UnitError, match="无法将单位“件”换算为“亿元”"):
        convert(3, "件", "亿元")
