"""`make bench`, part 5: do the rules find what offices get wrong, and leave the auditors a short queue?

The demo's files before QUARTER go through ipwatch once; then, on copies of that warehouse, the rest of the demo
clean (open findings are counted over the whole demo), and QUARTER's files with faults injected into county rows — a
unit slip (x10,000: 万元 figures labelled 亿元), a digit dropped, a year-to-date total reset to the quarter's own flow,
two indicators' values swapped, a whole-year value sent for the quarter; and what only the warehouse can tell (#27):
a per-capita ratio typed 30% off its parts in a file without the population (as the first three quarters' forms
are: 江津's 25 for 1,430 / 74.19), a value that moves a target between met and not met, a share falling to
1/1.35 of itself in a quarter, and a patents-in-force typo carried by the form's formula into its per-10k ratio that
lands a county just across its province's 前30% cut-off, in or out (its parts agree, and it moves less than x1.3).
It prints faults found / injected (a fault is found when its row draws any finding) and open findings on the clean
run as a share of the values in the warehouse (goal: every fault found, under 0.1%).
`--suite FILE` runs it with another rule file (the suite of an earlier commit: `git show
REV:expectations/submission_rows.yaml > old.yaml`), to compare.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods, rules
from ipwatch.intake import pipeline, validate
from ipwatch.intake.batch import Incoming
from ipwatch.intake.suite import COUNT_UNITS
from ipwatch.ops import demo
from ipwatch.warehouse import reference

# A second quarter (a whole-year value is twice the half-year's, a YTD reset half of it) when the plans of Liaoning,
# Hefei and Shanwei are all in force, with their counties.
QUARTER = "2020Q2"
PER_FAULT = 4
# (county, indicator) -> (comparison, target value)
Goals = dict[tuple[str, str], tuple[str, float]]
FAULTS = ("unit_slip", "digit_dropped", "ytd_reset", "swapped", "whole_year", "ratio_typo", "status_move",
          "ratio_jump", "rank_move")
OUT = config.ROOT / "reports" / "bench" / "faults.json"


def ingest(ws: config.Workspace, files: list[tuple[Path, str]], suite: Path | None) -> list[dict]:
    """Files through the intake pipeline as the CLI takes them, validated by `suite` when given."""
    with warehouse.connect(ws.warehouse) as conn:
        folder = warehouse.folder(conn)
        if suite is not None:  # the bench's own rule file
            validate.pin(folder, validate.Validator(conn, suite, validate.results_dir(folder)))
        return pipeline.process(conn, ws, [Incoming(p, o) for p, o in files])


def quarter_of(path: Path) -> str:
    """The quarter of a demo file, named REGION-QUARTER.csv."""
    return path.stem.rsplit("-", 1)[1]


def rounded(value: float, unit: str) -> str:
    return str(round(value)) if unit in COUNT_UNITS else f"{value:.2f}"


def candidates(frame: pl.DataFrame, catalogue: cat.Catalogue, paced: set[tuple[str, str]]) -> list[tuple[int, dict]]:
    """The rows of a file a fault may change, by position: a county's value with a pace of its own (`paced`: a year
    of accepted quarters, outlier_min_history) and, for a count, at least outlier_min_count (2 -> 4 件 is noise,
    not a fault an auditor should chase). Ratios only for the faults of ratios (RATIO_FAULTS)."""
    least = rules.index()["change_outlier"].thresholds["outlier_min_count"]
    return [(i, r) for i, r in enumerate(frame.to_dicts())
            if (r["region_code"], r["indicator_code"]) in paced and float(r["value"] or 0) > 0
            and (r["unit"] not in COUNT_UNITS or float(r["value"]) >= least)]


# The faults a ratio's row may carry; the others leave ratios alone (a ratio apart from its parts in the same file
# is ratio_matches_parts' error, found whatever the fault).
RATIO_FAULTS = ("ratio_typo", "ratio_jump", "rank_move")


@dataclass(frozen=True)
class Ranked:
    """What target_rank_moved judges in QUARTER's year: (county, indicator) -> (top share %, the counties the
    target binds, its peers: each county of an each-county plan is ranked in its province) of the rank targets on
    an indicator where more is better, and each county's latest value before QUARTER (the value a new quarter's
    replaces; the population the per-10k ratio divides by)."""

    targets: dict[tuple[str, str], tuple[float, frozenset[str]]]
    latest: dict[tuple[str, str], float]

    def ranking(self, frame: pl.DataFrame, row: dict) -> tuple[list[float], int]:
        """The file's values of the row's peers best first, as the rule ranks the row among them, and the places."""
        share, peers = self.targets[row["region_code"], row["indicator_code"]]
        others = sorted((float(r["value"]) for r in frame.iter_rows(named=True)
                         if r["indicator_code"] == row["indicator_code"] and r["region_code"] in peers
                         and r["region_code"] != row["region_code"] and r["value"]), reverse=True)
        return others, math.ceil(share * (len(others) + 1) / 100)


def per_capita(catalogue: cat.Catalogue, code: str) -> bool:
    """A ratio over the population, which the first three quarters' forms do not carry."""
    return catalogue.indicators[code].denominator == "population"


def far_from(goal: tuple[str, float], value: float) -> bool:
    """A value on the wrong side of its target and more than target_status_moved's step (15% of it) away, by the
    target's comparison: a move to just past it is a status moved by a typo, not by a quarter's progress."""
    step = rules.index()["target_status_moved"].thresholds["status_step"]
    comparison, target = goal
    return (value > target * (1 + step)) if comparison in ("<=", "<") else (value < target * (1 - step))


def ranks_in_force(ws: config.Workspace) -> Ranked:
    """The rank targets of QUARTER's year on an indicator where more is better, and the latest values before it."""
    year = int(QUARTER[:4])
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        bound = conn.execute(
            "select tr.region_code, t.indicator_code, t.target_value_std, t.plan_id, t.target_id from targets as t"
            " inner join target_regions as tr using (plan_id, target_id) inner join plans as p using (plan_id)"
            " inner join indicators as i using (indicator_code) where t.kind = 'rank' and i.direction = 'up'"
            " and t.target_value_std is not null and ? between p.period_start and t.target_year", [year]).fetchall()
        latest = conn.execute(
            "select region_code, indicator_code, value from observations where period < ? and value is not null"
            " qualify row_number() over (partition by region_code, indicator_code order by period desc) = 1",
            [QUARTER]).fetchall()
    peers: dict[tuple[str, str], set[str]] = {}
    for region, _, _, plan, target in bound:
        peers.setdefault((plan, target), set()).add(region)
    return Ranked({(region, code): (share, frozenset(peers[plan, target]))
                   for region, code, share, plan, target in bound},
                  {(region, code): float(value) for region, code, value in latest})


def targets_in_force(ws: config.Workspace) -> Goals:
    """(county, indicator) -> (comparison, target value) of QUARTER's year, for the targets whose figure is the value
    itself on a stock or share (a level, a share, a running total): what target_status_moved judges."""
    year = int(QUARTER[:4])
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        rows = conn.execute(
            "select tr.region_code, t.indicator_code, t.comparison, t.target_value_std from targets as t"
            " inner join target_regions as tr using (plan_id, target_id) inner join plans as p using (plan_id)"
            " inner join indicators as i using (indicator_code)"
            " where t.target_value_std is not null and ? between p.period_start and t.target_year"
            " and i.measure <> 'flow_ytd' and (t.kind in ('level', 'share')"
            " or (t.kind = 'cumulative' and t.cumulative_basis = 'total'))", [year]).fetchall()
    return {(region, code): (comparison, goal) for region, code, comparison, goal in rows}


def paced_counties(ws: config.Workspace) -> set[tuple[str, str]]:
    """(county, indicator) with four accepted quarters or more before QUARTER."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        rows = conn.execute(
            "select o.region_code, o.indicator_code from observations as o inner join regions as r using (region_code)"
            " where r.level = 'county' and o.period < ? group by all having count(*) >= 4", [QUARTER]).fetchall()
    return set(rows)


# How far past the value it lands beside a rank typo lands: x1.02 into the places, x0.98 out of them.
PAST_CUTOFF = 0.02


def across_cutoff(ranked: Ranked, frame: pl.DataFrame, row: dict) -> float | None:
    """The value a typo across its rank target's cut-off would put in the row, when that moves it from its latest
    value `old` by more than target_rank_moved's step (15% of the cut-off, the places-th best peer) but by less than
    x1.3, so that only its rank tells; else None. The county's rank faults share one ranking, and each is typed
    before the next: a county outside the places lands above the (places - PER_FAULT + 1)-th best of the others, one
    within them below the (places + PER_FAULT - 1)-th, so that the other faults, a place each, never undo it."""
    if (row["region_code"], row["indicator_code"]) not in ranked.targets:
        return None
    others, places = ranked.ranking(frame, row)
    old = ranked.latest.get((row["region_code"], row["indicator_code"]))
    if old is None or old <= 0 or not PER_FAULT <= places <= len(others) - PER_FAULT + 1:
        return None
    cutoff = others[places - 1]
    if old < cutoff:
        typed = others[places - PER_FAULT] * (1 + PAST_CUTOFF)
    else:
        typed = others[places + PER_FAULT - 2] * (1 - PAST_CUTOFF)
    step = rules.index()["target_rank_moved"].thresholds["rank_step"] + PAST_CUTOFF  # the cut-off may move a little
    factor = rules.index()["change_against_last_quarter"].thresholds["ratio_change_factor"]
    return typed if abs(typed - old) > step * cutoff and max(typed, old) < factor * min(typed, old) else None


def inject(fault: str, frame: pl.DataFrame, rows: list[tuple[int, dict]], catalogue: cat.Catalogue,
           rng: random.Random, goals: Goals, ranked: Ranked) -> tuple[pl.DataFrame, list[int]] | None:
    """The frame with one `fault` in one of `rows`, and the positions of the values it changed (a fault is found
    when one of them draws a finding); None when no row fits."""
    q = int(QUARTER[-1])

    def measure(r: dict) -> str:
        return catalogue.indicators[r["indicator_code"]].measure

    def ratio(r: dict) -> bool:
        return catalogue.indicators[r["indicator_code"]].numerator is not None

    fits = {
        "unit_slip": lambda r: r["unit"] == "万元",
        "digit_dropped": lambda r: measure(r) == "stock" and r["unit"] in COUNT_UNITS and float(r["value"]) >= 100,
        "ytd_reset": lambda r: measure(r) == "flow_ytd",
        "whole_year": lambda r: measure(r) == "flow_ytd",
        "swapped": lambda r: True,
        "ratio_typo": lambda r: measure(r) == "stock" and per_capita(catalogue, r["indicator_code"]),
        "status_move": lambda r: (r["region_code"], r["indicator_code"]) in goals
        and far_from(goals[r["region_code"], r["indicator_code"]], float(r["value"]))
        and not (r["unit"] in COUNT_UNITS and goals[r["region_code"], r["indicator_code"]][1] < 20),
        "ratio_jump": lambda r: measure(r) == "share" and not ratio(r),
        "rank_move": lambda r: measure(r) == "stock" and across_cutoff(ranked, frame, r) is not None,
    }[fault]
    pool = [(i, r) for i, r in rows if fits(r) and (fault in RATIO_FAULTS or not ratio(r))]
    if not pool:
        return None
    i, row = rng.choice(pool)
    value = float(row["value"])
    changes = {}
    if fault == "unit_slip":
        changes[i] = {"unit": "亿元"}
    elif fault == "digit_dropped":
        changes[i] = {"value": str(int(value))[:-1]}
    elif fault == "ytd_reset":  # the quarter's own flow instead of the running total
        changes[i] = {"value": rounded(value / q, row["unit"])}
    elif fault == "whole_year":
        changes[i] = {"value": rounded(value * 4 / q, row["unit"])}
    elif fault == "ratio_typo":  # 19.27 typed as 25, the population's row left blank as the Q1-Q3 forms have it
        population = [j for j, r in enumerate(frame.to_dicts()) if r["region_code"] == row["region_code"]
                      and r["indicator_code"] == "population"]
        changes = {i: {"value": rounded(value * 1.3, row["unit"])}, **{j: {"value": ""} for j in population}}
    elif fault == "status_move":  # a typo that lands just past the target
        comparison, goal = goals[row["region_code"], row["indicator_code"]]
        changes[i] = {"value": rounded(goal * (0.98 if comparison in ("<=", "<") else 1.02), row["unit"])}
    elif fault == "ratio_jump":  # down, so that no bound is crossed and only its history tells
        changes[i] = {"value": rounded(value / 1.35, row["unit"])}
    elif fault == "rank_move":  # just across the cut-off, its numerator typed to agree over the population in force
        changes = rank_typo(frame, i, row, catalogue, ranked)
    else:  # two indicators of the same region and unit, one at least twice the other, swapped
        pairs = [(j, r) for j, r in rows if j != i and not ratio(r) and r["region_code"] == row["region_code"]
                 and r["unit"] == row["unit"] and max(float(r["value"]), value) >= 2 * min(float(r["value"]), value)]
        if not pairs:
            return None
        j, other = rng.choice(pairs)
        changes = {i: {"value": other["value"]}, j: {"value": row["value"]}}
    records = frame.to_dicts()
    for position, change in changes.items():
        records[position] = {**records[position], **change}
    # the fault's own rows: not a population left blank, nor the numerator a rank typo's formula carried
    counted = [i] if fault == "rank_move" else [p for p in changes if changes[p].get("value") != ""]
    return pl.DataFrame(records, schema=frame.schema), counted


def rank_typo(frame: pl.DataFrame, i: int, row: dict, catalogue: cat.Catalogue, ranked: Ranked) -> dict:
    """The changes of a typo that lands the row just across its cut-off (across_cutoff): a ratio's numerator in the
    file typed so that it gives that (the form's formula carrying the typo), over the latest denominator in force."""
    target = across_cutoff(ranked, frame, row)
    indicator = catalogue.indicators[row["indicator_code"]]
    denominator = ranked.latest.get((row["region_code"], indicator.denominator or ""))
    parts = [j for j, r in enumerate(frame.to_dicts()) if r["region_code"] == row["region_code"]
             and r["indicator_code"] == indicator.numerator and r["value"]]
    if not parts or denominator is None:
        return {i: {"value": rounded(target, row["unit"])}}
    numerator = round(target * denominator / (indicator.scale or 1))
    typed = f"{numerator * (indicator.scale or 1) / denominator:.2f}"
    return {i: {"value": typed}, parts[0]: {"value": str(numerator)}}


def faulty_files(files: list[tuple[Path, str]], out: Path, catalogue: cat.Catalogue, paced: set[tuple[str, str]],
                 goals: Goals, ranked: Ranked, seed: int = 13
                 ) -> tuple[list[tuple[Path, str]], list[tuple[str, str, int]]]:
    """Copies of the quarter's files with PER_FAULT of each fault, each in a region of its own; returns the files
    and the faults as (fault, file name, line)."""
    rng = random.Random(seed)
    frames = {path: pl.read_csv(path, infer_schema=False) for path, _ in files}
    used: set[str] = set()
    injected = []
    for fault in FAULTS:
        for n in range(PER_FAULT * 20):
            if sum(f == fault for f, _, _ in injected) == PER_FAULT:
                break
            path = files[n % len(files)][0]
            rows = [(i, r) for i, r in candidates(frames[path], catalogue, paced) if r["region_code"] not in used]
            changed = inject(fault, frames[path], rows, catalogue, rng, goals, ranked) if rows else None
            if changed is None:
                continue
            frames[path], positions = changed
            used.add(frames[path]["region_code"][positions[0]])
            injected += [(fault, path.name, p + 2) for p in positions]  # line 1 is the header
    out.mkdir(parents=True, exist_ok=True)
    copies = []
    for path, office in files:
        frames[path].write_csv(out / path.name)
        copies.append((out / path.name, office))
    return copies, injected


def open_findings(ws: config.Workspace) -> tuple[int, int]:
    """Open findings and values in force in the warehouse."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        (open_count,) = conn.sql("select count(*) from findings where audit_status = 'open'").fetchone()
        (values,) = conn.sql("select count(*) from observations").fetchone()
    return open_count, values


def run(suite: Path | None = None) -> dict:
    catalogue = cat.default()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        start = time.perf_counter()
        base = config.workspace(tmp / "base")
        reference.initialise(base)
        last = periods.latest_complete_quarter(date.today())
        with warehouse.connect(base.warehouse) as conn:
            due = demo.due_dates(conn, catalogue, last)
        written, _ = demo.write_submissions(catalogue, tmp / "files", last, due, datetime.now())
        files = [(f.path, f.office) for f in written]
        history = [f for f in files if quarter_of(f[0]) < QUARTER]
        quarter = [f for f in files if quarter_of(f[0]) == QUARTER]
        ingest(base, history, suite)
        print(f"\nFaults on the demo: {len(history)} files before {QUARTER}, then the other "
              f"{len(files) - len(history)} clean, and {QUARTER}'s {len(quarter)} with faults "
              f"({time.perf_counter() - start:.0f} s to build)")
        clean = config.workspace(shutil.copytree(base.home, tmp / "clean"))
        ingest(clean, [f for f in files if quarter_of(f[0]) >= QUARTER], suite)
        open_count, values = open_findings(clean)
        faulty, injected = faulty_files(quarter, tmp / "faulty", catalogue, paced_counties(base),
                                        targets_in_force(base), ranks_in_force(base))
        results = ingest(config.workspace(shutil.copytree(base.home, tmp / "faults")), faulty, suite)
    flagged = {(Path(r["file"]).name, f["line"]) for r in results for f in r["errors"] + r["warnings"]}
    rules = {}
    for r in results:
        for f in r["errors"] + r["warnings"]:
            rules.setdefault((Path(r["file"]).name, f["line"]), set()).add(f["rule"])
    by_fault: dict[str, list[bool]] = {}
    found_by: dict[str, set[str]] = {}
    missed = []
    for fault, name, line in injected:
        by_fault.setdefault(fault, []).append((name, line) in flagged)
        if (name, line) not in flagged:
            missed.append(f"{fault} {name}:{line}")
        found_by.setdefault(fault, set()).update(rules.get((name, line), ()))
    # a swap is found when either of its two rows is
    found = {f: sum(hits) if f != "swapped" else sum(a or b for a, b in zip(hits[::2], hits[1::2], strict=True))
             for f, hits in by_fault.items()}
    counts = {f: len(hits) if f != "swapped" else len(hits) // 2 for f, hits in by_fault.items()}
    figures = {"quarter": QUARTER, "suite": str(suite or validate.SUITE_FILE.name),
               "faults_found": sum(found.values()), "faults_injected": sum(counts.values()),
               "by_fault": {f: f"{found[f]}/{counts[f]}" for f in counts},
               "found_by": {f: sorted(r) for f, r in found_by.items()}, "missed": missed,
               "open_findings_clean": open_count, "values": values,
               "open_share_clean": round(open_count / values, 5)}
    print(f"  faults found / injected: {figures['faults_found']}/{figures['faults_injected']} "
          f"({', '.join(f'{f} {v}' for f, v in figures['by_fault'].items())})")
    for fault, found_rules in figures["found_by"].items():
        print(f"    {fault:<14} found by {', '.join(found_rules) or 'nothing'}")
    if missed:
        print(f"    missed: {'; '.join(missed)}")
    print(f"  open findings on clean data: {open_count} of {values:,} values ({open_count / values:.2%}; "
          f"goal < 0.1%)")
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, help="a rule file to run instead of expectations/submission_rows.yaml")
    figures = run(parser.parse_args(argv).suite)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return figures


if __name__ == "__main__":
    main()
