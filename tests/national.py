"""A national quarter, made deterministically from a seed: the workload of `make bench` and, for one prefecture, of
tests/test_national.py.

Every county-level region of data/regions.csv (or those under a prefix) reports one new quarter as one file of its
own, in the formats offices send: UTF-8 CSV with codes, GB18030 CSV with Chinese headers and indicator names, a
long xlsx table, or the filled Excel form where a plan binds the county. The warehouse already holds the 20
quarters before it. Faults are injected at known rates, each with the rule that must find it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from openpyxl import Workbook, load_workbook

from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods, regions
from ipwatch.intake import template
from ipwatch.intake.suite import COUNT_UNITS

# What a county office reports when no plan asks it for more: the core of the plans' indicator tables.
CORE = ("population", "gdp", "market_entities", "patent_applications", "invention_patent_applications",
        "patent_grants", "invention_patent_grants", "invention_patents_in_force",
        "high_value_invention_patents_in_force", "invention_patents_per_10k", "pct_applications",
        "registered_trademarks_in_force", "high_tech_enterprises", "tech_based_enterprises", "patent_attorneys",
        "ip_pledge_financing_amount", "ip_pledge_financing_deals", "ip_awareness_rate")
HISTORY_QUARTERS = 20
# (fault, the rule that must find it, how a file is changed); errors reject the file, warnings hold it for audit.
ERROR_FAULTS = ("unit_slip", "value_with_unit", "region_typo", "count_with_decimals", "parts_exceed_whole")
WARNING_FAULTS = ("ytd_reset", "digit_dropped", "missing_value")
EXPECTED_RULE = {"unit_slip": "value_in_bounds", "value_with_unit": "value_numeric", "region_typo": "region_known",
                 "count_with_decimals": "count_whole",
                 "parts_exceed_whole": "consistency_high_value_within_in_force",
                 "ytd_reset": "ytd_not_falling", "digit_dropped": "change_against_last_quarter",
                 "missing_value": "value_missing"}
FORMATS = ("csv-utf8", "csv-gb18030", "xlsx-long")


@dataclass(frozen=True)
class County:
    """A reporting county and the size that scales its values."""

    code: str
    size: float


@dataclass(frozen=True)
class File:
    """One generated submission: where it is, who sends it, in what format, and the fault injected, if any."""

    path: Path
    office: str
    kind: str
    fault: str | None


def counties(prefix: str = "", limit: int | None = None) -> list[County]:
    """The county-level regions under `prefix`, each with a size (a prefecture's counties are of a kind)."""
    table = regions.load().filter((pl.col("level") == "county") & pl.col("region_code").str.starts_with(prefix))
    chosen = []
    for code, parent in table.select("region_code", "parent_code").iter_rows():
        size = random.Random(f"p{parent}").uniform(0.5, 2.0) * random.Random(code).uniform(0.7, 1.3)
        chosen.append(County(code, size))
    return chosen[:limit] if limit else chosen


def indicators_of(county: County, catalogue: cat.Catalogue, all_regions: pl.DataFrame) -> list[str]:
    """The county's indicators: what its plans ask for (with ratios' parts), else the core set."""
    asked = [i.code for i in template.indicators_for_region(catalogue, all_regions, county.code)]
    return asked or list(CORE)


def value(indicator: cat.Indicator, county: County, quarter: str, values: dict[str, float]) -> float:
    """A plausible value: a county's share of the indicator's range, growing slowly; flows year-to-date."""
    year, q = int(quarter[:4]), int(quarter[-1])
    step = (year - 2020) * 4 + q
    if indicator.numerator and indicator.denominator in values and indicator.numerator in values:
        return round(values[indicator.numerator] / values[indicator.denominator] * (indicator.scale or 1), 2)
    if indicator.unit in ("%", "分"):
        return round(60 + 20 * random.Random(county.code + indicator.code).random() + 0.1 * step, 2)
    typical = 50.0 if indicator.code == "population" else indicator.bounds[1] * 0.0005
    level = typical * county.size * (1 + 0.01 * step)
    if indicator.measure == "flow_ytd":
        level *= q / 4
    return round(level) if indicator.unit in COUNT_UNITS else round(level, 2)


def quarter_values(catalogue: cat.Catalogue, county: County, codes: list[str], quarter: str) -> dict[str, float]:
    """Every indicator's value for a county and quarter, ratios after their parts."""
    values: dict[str, float] = {}
    for code in sorted(codes, key=lambda c: catalogue.indicators[c].numerator is not None):
        values[code] = value(catalogue.indicators[code], county, quarter, values)
    return values


def history(conn, catalogue: cat.Catalogue, chosen: list[County], quarter: str) -> int:
    """The 20 accepted quarters before `quarter`, loaded straight into the warehouse; returns the row count."""
    all_regions = regions.load()
    codes = {c.code: indicators_of(c, catalogue, all_regions) for c in chosen}
    first = quarter
    for _ in range(HISTORY_QUARTERS):
        first = periods.previous_quarter(first)
    quarters = periods.quarters(first, periods.previous_quarter(quarter))
    rows = []
    for n, q in enumerate(quarters):
        (sid,) = warehouse.take_ids(conn, "submission_ids", 1)
        conn.execute(
            "insert into submissions (submission_id, file_name, sha256, office_code, received_at, status, row_count) "
            "values (?, ?, ?, '000000', now(), 'accepted', 0)", [sid, f"history-{q}.csv", f"history-{q}"])
        for county in chosen:
            for code, v in quarter_values(catalogue, county, codes[county.code], q).items():
                rows.append((sid, n, county.code, q, code, v, catalogue.indicators[code].unit, "正常"))
    frame = pl.DataFrame(rows, schema={"submission_id": pl.Int32, "line": pl.Int32, "region_code": pl.String,
                                       "period": pl.String, "indicator_code": pl.String, "value": pl.Float64,
                                       "unit": pl.String, "status": pl.String}, orient="row")
    warehouse.append_rows(conn, "observation_versions", frame)
    warehouse.append_rows(conn, "current_observations", frame.drop("line").with_columns(received_at=pl.lit(
        datetime.now())))
    return frame.height


def inject(fault: str | None, rows: list[dict], catalogue: cat.Catalogue, rng: random.Random) -> None:
    """Change the rows as the fault would."""
    by_code = {r["code"]: r for r in rows}

    def pick(predicate) -> dict:
        return rng.choice([r for r in rows if predicate(catalogue.indicators[r["code"]])])

    if fault == "unit_slip":  # an amount in 元 where 亿元 is asked: far beyond any county
        row = pick(lambda i: i.unit == "亿元")
        row["value"] = row["value"] * 100_000_000
    elif fault == "value_with_unit":
        row = pick(lambda i: i.unit in COUNT_UNITS)
        row["value"] = f"{row['value']}{catalogue.indicators[row['code']].unit}"
    elif fault == "region_typo":
        rows[rng.randrange(len(rows))]["region"] = "999999"
    elif fault == "count_with_decimals":
        pick(lambda i: i.unit in COUNT_UNITS and i.numerator is None)["value"] += 0.5
    elif fault == "parts_exceed_whole":
        by_code["high_value_invention_patents_in_force"]["value"] = by_code["invention_patents_in_force"]["value"] + 7
    elif fault == "ytd_reset":  # the year's running total restarted this quarter
        row = pick(lambda i: i.measure == "flow_ytd" and i.numerator is None)
        row["value"] = round(row["value"] / 3) if isinstance(row["value"], int) else round(row["value"] / 3, 2)
    elif fault == "digit_dropped":
        row = pick(lambda i: i.measure == "stock" and i.numerator is None and i.unit in COUNT_UNITS
                   and row_value(i, by_code) >= 1000)
        row["value"] = int(str(int(row["value"]))[:-1])
    elif fault == "missing_value":
        # a value the quarter asks for: an annual one left blank before the fourth quarter is as the form asks
        pick(lambda i: i.numerator is None and not i.annual)["value"] = "/"


def row_value(indicator: cat.Indicator, by_code: dict[str, dict]) -> float:
    return by_code[indicator.code]["value"]


def faults_for(chosen: list[County], seed: int, rejected_rate: float = 0.03, warning_rate: float = 0.05
               ) -> dict[str, str]:
    """Which county's file gets which fault: about `rejected_rate` errors and `warning_rate` warnings."""
    rng = random.Random(seed)
    faults = {}
    for county in chosen:
        draw = rng.random()
        if draw < rejected_rate:
            faults[county.code] = rng.choice(ERROR_FAULTS)
        elif draw < rejected_rate + warning_rate:
            faults[county.code] = rng.choice(WARNING_FAULTS)
    return faults


def quarter_files(out: Path, catalogue: cat.Catalogue, chosen: list[County], quarter: str, seed: int = 7,
                  rates: tuple[float, float] = (0.03, 0.05)) -> list[File]:
    """One file per county for `quarter`, in the inbox layout out/<county>/<file>; `rates` of files rejected and
    held with warnings."""
    all_regions = regions.load()
    faults = faults_for(chosen, seed, *rates)
    files = []
    for county in chosen:
        rng = random.Random(f"{seed}-{county.code}")
        codes = indicators_of(county, catalogue, all_regions)
        values = quarter_values(catalogue, county, codes, quarter)
        rows = [{"region": county.code, "code": c, "value": v} for c, v in values.items()]
        fault = faults.get(county.code)
        try:
            inject(fault, rows, catalogue, rng)
        except (KeyError, IndexError):  # the county does not report what the fault needs: a fault it can have
            fault = "region_typo" if fault in ERROR_FAULTS else "missing_value"
            inject(fault, rows, catalogue, rng)
        is_form = codes != list(CORE)
        kind = "xlsx-form" if is_form else rng.choices(FORMATS, weights=(6, 3, 1))[0]
        folder = out / county.code
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{county.code}-{quarter}.{'xlsx' if kind.startswith('xlsx') else 'csv'}"
        WRITERS[kind](path, rows, catalogue, county.code, quarter)
        files.append(File(path, county.code, kind, fault))
    return files


def write_utf8(path: Path, rows: list[dict], catalogue: cat.Catalogue, region: str, quarter: str) -> None:
    lines = ["region_code,period,indicator_code,value,unit"]
    lines += [f"{r['region']},{quarter},{r['code']},{r['value']},{catalogue.indicators[r['code']].unit}" for r in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def write_gb18030(path: Path, rows: list[dict], catalogue: cat.Catalogue, region: str, quarter: str) -> None:
    year, q = quarter[:4], "一二三四"[int(quarter[-1]) - 1]
    lines = ["行政区划代码,报告期,指标名称,数值,计量单位,数据状态,备注"]
    lines += [f"{r['region']},{year}年第{q}季度,{catalogue.indicators[r['code']].name_zh},{r['value']},"
              f"{catalogue.indicators[r['code']].unit},," for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def write_xlsx_long(path: Path, rows: list[dict], catalogue: cat.Catalogue, region: str, quarter: str) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["行政区划代码", "报告期", "指标代码", "数值", "计量单位"])
    for r in rows:
        sheet.append([r["region"], quarter, r["code"], r["value"], catalogue.indicators[r["code"]].unit])
    book.save(path)


def write_form(path: Path, rows: list[dict], catalogue: cat.Catalogue, region: str, quarter: str) -> None:
    template.write_template(path, region, quarter, catalogue)
    book = load_workbook(path)
    sheet = book[template.FORM_SHEET]
    by_code = {r["code"]: r for r in rows}
    for row in range(template.TABLE_HEADER_ROW + 1, sheet.max_row + 1):
        code = sheet.cell(row=row, column=1).value
        if code in by_code:
            sheet.cell(row=row, column=5).value = by_code[code]["value"]
    if any(r["region"] != region for r in rows):  # a typo in the form's header block
        sheet["B4"] = "999999"
    book.save(path)


WRITERS = {"csv-utf8": write_utf8, "csv-gb18030": write_gb18030, "xlsx-long": write_xlsx_long,
           "xlsx-form": write_form}


def found(file: File, result: dict) -> bool:
    """Whether the rule that must find the file's fault did."""
    rules = {f["rule"] for f in result["errors"] + result["warnings"]}
    return EXPECTED_RULE[file.fault] in rules


def workspace(home: Path, catalogue: cat.Catalogue, chosen: list[County], quarter: str) -> config.Workspace:
    """A workspace whose warehouse holds the catalogue and the 20 quarters before `quarter`."""
    from ipwatch.warehouse import reference

    ws = config.workspace(home)
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        history(conn, catalogue, chosen, quarter)
    return ws
