"""`make bench`: validation cost of Great Expectations in DuckDB against the same rules as plain DuckDB SQL.

Prints milliseconds and the ratio GX / plain SQL, both measured in this run on the same warehouse. The ratio is
the number to watch: the absolute times depend on the machine.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from ipwatch import catalogue as cat
from ipwatch import config, ingest, reference, validate, warehouse

SIZES = (100, 1_000, 10_000)
REPEATS = 7


def submission(path: Path, rows: int) -> Path:
    """A clean long CSV of `rows` observations for Hefei's counties over many quarters."""
    counties = ["340102", "340103", "340104", "340111", "340121", "340122", "340123", "340124", "340181"]
    indicators = ["pct_applications", "patent_attorneys", "ip_pledge_financing_amount", "high_tech_enterprises"]
    lines = ["region_code,period,indicator_code,value,unit,note"]
    n = 0
    for year in range(1900, 2026):
        for q in range(1, 5):
            for county in counties:
                for indicator in indicators:
                    if n == rows:
                        path.write_text("\n".join(lines) + "\n", "utf-8")
                        return path
                    lines.append(f"{county},{year}Q{q},{indicator},{n % 500 + 1},,")
                    n += 1
    raise ValueError("too many rows asked for")


def plain_sql(conn, submission_id: int) -> int:
    """The same rule queries, run directly by DuckDB: the baseline."""
    batch = f"(select * from submission_rows where submission_id = {submission_id})"
    return sum(len(conn.execute(rule.query.replace("{batch}", batch).replace("{{", "{").replace("}}", "}"))
                   .fetchall()) for rule in validate.rules())


def median_ms(fn) -> float:
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = config.workspace(Path(tmp) / "home")
        reference.initialise(ws)
        print(f"{'rows':>7} {'GX in DuckDB ms':>16} {'plain SQL ms':>13} {'ratio':>6}")
        with warehouse.connect(ws.warehouse) as conn:
            for rows in SIZES:
                path = submission(Path(tmp) / f"s{rows}.csv", rows)
                received = ingest.receive(conn, ws, path, "340100", cat.default())
                assert validate.run(conn, received.submission_id) == []
                sid = received.submission_id
                gx_ms = median_ms(lambda sid=sid: validate.run(conn, sid))
                sql_ms = median_ms(lambda sid=sid: plain_sql(conn, sid))
                print(f"{rows:>7} {gx_ms:>16.1f} {sql_ms:>13.1f} {gx_ms / sql_ms:>6.1f}")


if __name__ == "__main__":
    main()
