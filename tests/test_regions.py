import polars as pl
import pytest

from ipwatch.domain import regions


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return regions.load()


def children(table: pl.DataFrame, code: str) -> set[str]:
    return set(regions.descendants(table, code).filter(pl.col("level") == "county")["name"])


def test_codes_are_unique_and_parents_exist(table):
    assert table["region_code"].is_unique().all()
    parents = set(table["parent_code"].drop_nulls())
    assert parents <= set(table["region_code"])


def test_every_seed_plan_region_is_present(table):
    named = dict(zip(table["region_code"], table["name"], strict=True))
    assert [named[c] for c in ("210000", "441500", "340100", "370000", "500116")] == [
        "辽宁省", "汕尾市", "合肥市", "山东省", "江津区"]


def test_shanwei_counties(table):
    assert children(table, "441500") == {"城区", "海丰县", "陆河县", "陆丰市"}


def test_hefei_counties(table):
    assert children(table, "340100") == {"瑶海区", "庐阳区", "蜀山区", "包河区", "长丰县", "肥东县", "肥西县",
                                         "庐江县", "巢湖市"}


def test_province_county_counts(table):
    def counties(code: str) -> int:
        return regions.descendants(table, code).filter(pl.col("level") == "county").height

    assert (counties("210000"), counties("370000")) == (100, 136)


def test_laiwu_merged_into_jinan(table):
    assert "371200" not in set(table["region_code"])
    assert "370116" in regions.jurisdiction(table, "370100")


def test_jiangjin_is_a_county_of_chongqing(table):
    row = table.filter(pl.col("region_code") == "500116").row(0, named=True)
    assert (row["level"], row["parent_code"]) == ("county", "500000")


def test_a_jurisdiction_is_the_region_and_everything_under_it_at_any_depth(table):
    liaoning = regions.jurisdiction(table, "210000")
    assert {"210000", "210100", "210102"} <= liaoning  # itself, a city, a district of that city
    assert "340100" not in liaoning
    assert regions.jurisdiction(table, "500116") == {"500116"}  # a county answers for itself alone


def test_the_warehouse_rows_of_jurisdiction_pair_each_region_with_itself_and_each_ancestor(table):
    parent = dict(zip(table["region_code"], table["parent_code"], strict=True))

    def chain(code: str) -> list[str]:  # walked by hand, one parent at a time
        found = [code]
        while parent[found[-1]] is not None:
            found.append(parent[found[-1]])
        return found

    expected = {(office, code) for code in parent for office in chain(code)}
    rows = regions.jurisdictions(table)
    assert set(rows.iter_rows()) == expected and rows.height == len(expected)
    for office in ("210000", "441500", "110000"):
        assert set(rows.filter(pl.col("office_code") == office)["region_code"]) == regions.jurisdiction(table, office)
