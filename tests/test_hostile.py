"""Files a hostile or careless office sends (issue #12), through `ipwatch` on a real workspace: each ends decided or
refused, nothing is lost, and no file stops another."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from contextlib import suppress
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from ipwatch import cli, config, warehouse

from .conftest import write_csv

pytestmark = pytest.mark.usefixtures("prefect_harness")
HEADER = "region_code,period,indicator_code,value,unit,status,note"


@pytest.fixture
def ws(tmp_path) -> config.Workspace:
    return config.workspace(tmp_path / "home").ensure()


def ipwatch(ws: config.Workspace, *args: str) -> tuple[int, list[dict]]:
    """Run the command as a user would, with --json; its exit status and the outcome of each file."""
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        status = cli.main(["--home", str(ws.home), *args, "--json"])
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def dropped(ws: config.Workspace, office: str, name: str, rows: list[str], encoding: str = "utf-8") -> Path:
    """A CSV put in an office's inbox folder."""
    folder = ws.inbox / office
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes("\n".join([HEADER, *rows, ""]).encode(encoding))
    return path


def by_name(results: list[dict]) -> dict[str, dict]:
    return {Path(r["file"]).name: r for r in results}


def rules(result: dict) -> set[str]:
    return {e["rule"] for e in result["errors"]}


def nothing_lost(ws: config.Workspace, results: list[dict]) -> None:
    """Every file decided is out of the inbox and archived; every rejected one in quarantine with its report."""
    for r in results:
        path = Path(r["file"])
        if r["status"] == "refused":
            continue
        assert not (path.is_relative_to(ws.inbox) and path.exists()), f"{path} left in the inbox"
        assert any(p.name.endswith(path.name[-20:]) for p in ws.archive.iterdir()), f"{path} not archived"
        if r["status"] == "rejected":
            [kept] = [p for p in ws.quarantine.glob(f"{r['submission_id']}-*") if not p.name.endswith(("json", "html"))]
            report = json.loads(kept.with_name(kept.name + ".errors.json").read_text("utf-8"))
            assert report["errors"] == r["errors"]


def current(ws: config.Workspace) -> list[tuple]:
    with warehouse.connect(ws.warehouse) as conn:
        return conn.sql("select region_code, period, indicator_code, value from observations order by all").fetchall()


def test_a_poisoned_file_stops_neither_its_office_nor_the_others(ws):
    """Item 1 and 2: 10^18 亿元 and 10^14 万人 are rejected by value_in_bounds; every other file goes on."""
    dropped(ws, "441500", "a1.csv", ["441500,2025Q3,pct_applications,10,件,,"])
    dropped(ws, "441500", "b-poison.csv", ["441500,2025Q3,gdp,1000000000000000000,亿元,,"])
    dropped(ws, "441500", "c.csv", ["441500,2025Q2,pct_applications,8,件,,"])
    dropped(ws, "441521", "d.csv", ["441521,2025Q3,pct_applications,3,件,,"])
    dropped(ws, "441521", "e.csv", ["441521,2025Q3,patent_attorneys,100000000000000,万人,,"])
    status, results = ipwatch(ws, "ingest", "--inbox")
    outcomes = {name: r["status"] for name, r in by_name(results).items()}
    assert status == 1 and outcomes == {"a1.csv": "accepted_with_warnings", "b-poison.csv": "rejected",
                                        "c.csv": "accepted_with_warnings", "d.csv": "accepted_with_warnings",
                                        "e.csv": "rejected"}
    assert rules(by_name(results)["b-poison.csv"]) == rules(by_name(results)["e.csv"]) == {"value_in_bounds"}
    nothing_lost(ws, results)
    assert ipwatch(ws, "ingest", "--inbox") == (0, [])
    assert [(r, p) for r, p, _, _ in current(ws)] == [("441500", "2025Q2"), ("441500", "2025Q3"), ("441521", "2025Q3")]


def percent_form(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["行政区划代码", "报告期", "指标代码", "数值"])
    sheet.append(["340100", "2025Q3", "patent_intensive_industry_gdp_share", 0.1174])
    sheet["D2"].number_format = "0.00%"
    book.save(path)
    return path


def test_a_percentage_typed_in_excel_is_stored_as_the_percentage_shown(ws, tmp_path):
    """Item 3: Excel keeps 11.74% as 0.1174 in a percent format."""
    status, [result] = ipwatch(ws, "ingest", str(percent_form(tmp_path / "p.xlsx")), "--as", "340100")
    assert result["status"].startswith("accepted") and status == 0
    assert current(ws) == [("340100", "2025Q3", "patent_intensive_industry_gdp_share", Decimal("11.74"))]


def test_links_in_the_inbox_are_refused_and_never_followed(ws, tmp_path):
    """Item 5: a linked file, and a linked office folder, are reported; nothing outside is read or deleted."""
    secret = write_csv(tmp_path / "outside.csv", ["441500,2025Q3,pct_applications,10,件,"])
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    other = write_csv(outside / "x.csv", ["441521,2025Q3,pct_applications,3,件,"])
    dropped(ws, "441500", "good.csv", ["441500,2025Q3,pct_applications,10,件,,"])
    (ws.inbox / "441500" / "link.csv").symlink_to(secret)
    (ws.inbox / "441521").symlink_to(outside)
    (ws.inbox / "notes").mkdir()
    status, results = ipwatch(ws, "ingest", "--inbox")
    assert status == 1 and {n: r["status"] for n, r in by_name(results).items()} == {
        "good.csv": "accepted_with_warnings", "link.csv": "refused", "441521": "refused", "notes": "refused"}
    assert secret.exists() and other.exists()
    assert not any("outside" in p.name or "x.csv" in p.name for p in [*ws.archive.iterdir(), *ws.quarantine.iterdir()])
    nothing_lost(ws, results)


def test_a_truncated_sheet_is_a_damaged_xlsx(ws, tmp_path):
    """Item 6: half a sheet's XML inside a valid zip is rejected as damaged, and kept."""
    path = percent_form(tmp_path / "cut.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:300]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    status, [result] = ipwatch(ws, "ingest", str(path), "--as", "340100")
    assert (status, result["status"], rules(result)) == (1, "rejected", {"file_readable"})
    assert "已损坏" in result["errors"][0]["message"]
    nothing_lost(ws, [result])


def test_a_comma_that_is_not_a_thousands_separator_is_an_error_asking_which(ws, tmp_path):
    """Item 7: "1,2,3" and "1,5" are not 123 and 15; "1,234" still is 1234."""
    path = write_csv(tmp_path / "c.csv", ['340100,2025Q3,pct_applications,"1,2,3",件,',
                                          '340102,2025Q3,pct_applications,"1,5",件,',
                                          '340103,2025Q3,pct_applications,"1,234",件,'])
    status, [result] = ipwatch(ws, "ingest", str(path), "--as", "340100")
    assert (status, result["status"]) == (1, "rejected")
    assert [(e["line"], e["rule"], e["value"]) for e in result["errors"]] == [
        (2, "value_separators", "1,2,3"), (3, "value_separators", "1,5")]
    assert "哪" in result["errors"][0]["message"] or "本意" in result["errors"][0]["message"]
    nothing_lost(ws, [result])


def test_a_long_file_name_is_stored_under_a_short_one_and_kept_whole_in_the_warehouse(ws):
    """Item 8: 80 Chinese characters are 240 bytes, too long once prefixed."""
    name = "合肥市" * 26 + "报表.csv"
    dropped(ws, "340100", name, ["340100,2025Q3,pct_applications,abc,件,,"])
    status, [result] = ipwatch(ws, "ingest", "--inbox")
    assert (status, result["status"]) == (1, "rejected")
    assert all(len(p.name.encode()) <= 255 for p in [*ws.archive.iterdir(), *ws.quarantine.iterdir()])
    with warehouse.connect(ws.warehouse) as conn:
        assert conn.sql("select file_name from submissions").fetchall() == [(name,)]
    assert not any((ws.inbox / "340100").iterdir())
    assert len(list(ws.quarantine.glob("*.errors.json"))) == 1


def test_a_file_mixing_utf8_and_gbk_is_refused_at_its_line_not_stored_as_mojibake(ws):
    """Item 9."""
    path = dropped(ws, "340100", "mixed.csv", ["340100,2025Q3,pct_applications,7,件,,第一行"])
    path.write_bytes(path.read_bytes() + "340102,2025Q3,pct_applications,5,件,,含新引进\n".encode("gbk"))
    status, [result] = ipwatch(ws, "ingest", "--inbox")
    assert (status, result["status"], rules(result)) == (1, "rejected", {"file_readable"})
    assert (result["errors"][0]["line"], "编码" in result["errors"][0]["message"]) == (3, True)
    nothing_lost(ws, [result])
    assert current(ws) == []


def test_periods_before_the_plans_are_rejected_and_refused_as_arguments(ws, tmp_path, capsys):
    """Item 11: 0000Q1, 0001Q1 and 1900Q1 are no plan's quarters."""
    path = write_csv(tmp_path / "old.csv", [f"340100,{y}Q1,pct_applications,7,件," for y in ("0000", "0001", "1900")])
    status, [result] = ipwatch(ws, "ingest", str(path), "--as", "340100")
    assert (status, result["status"], rules(result)) == (1, "rejected", {"period_not_before"})
    capsys.readouterr()
    for args in (["bulletin", "--period", "0000Q1"], ["progress", "--region", "340100", "--period", "1900Q1"]):
        assert cli.main(["--home", str(ws.home), *args]) == 2
        err = capsys.readouterr().err
        assert "基期" in err and len(err.strip().splitlines()) == 1


def test_a_bad_bulletin_period_is_one_line_and_exit_2(ws, capsys):
    """Item 13: no Prefect traceback before the message."""
    assert cli.main(["--home", str(ws.home), "bulletin", "--period", "2025Q5"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert len(captured.err.strip().splitlines()) == 1 and "2025Q5" in captured.err


def test_a_full_disk_stops_the_run_in_one_line_and_leaves_the_files_in_the_inbox(ws, tmp_path):
    """Item 10: a real write failure (the kernel's file-size limit, as a full disk fails a write: EFBIG like ENOSPC)
    in the warehouse; Prefect's own database is the test's, out of the limit's reach."""
    import resource
    import signal
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    from ipwatch.warehouse import reference

    reference.initialise(ws)
    path = dropped(ws, "340100", "a.csv", ["340102,2025Q3,pct_applications,5,件,,"])

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    done = subprocess.run([sys.executable, "-m", "ipwatch.cli", "--home", str(ws.home), "ingest", "--inbox"],
                          preexec_fn=small_disk, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[:5000]
    assert done.stderr.strip().splitlines()[-1].startswith("ipwatch: 错误 (error): 数据仓库或磁盘故障"), done.stderr
    assert path.exists()
    assert ipwatch(ws, "ingest", "--inbox")[1][0]["status"].startswith("accepted") and not path.exists()


def test_a_disk_too_full_to_finish_a_run_refuses_to_start_it(ws, monkeypatch, capsys):
    """Item 10, before any write: the real free space of the workspace's disk against a need no disk meets."""
    from ipwatch.warehouse import reference

    reference.initialise(ws)
    path = dropped(ws, "340100", "a.csv", ["340102,2025Q3,pct_applications,5,件,,"])
    monkeypatch.setenv("IPWATCH_MIN_FREE_MB", str(10**12))
    assert cli.main(["--home", str(ws.home), "ingest", "--inbox"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "磁盘空间不足" in err and str(ws.home) in err
    assert path.exists() and not any(ws.archive.rglob("*.csv"))
    monkeypatch.delenv("IPWATCH_MIN_FREE_MB")
    assert ipwatch(ws, "ingest", "--inbox")[1][0]["status"].startswith("accepted") and not path.exists()


# A county's statistics server often has 2 GB in all (#30 item 3): no process of a run may pass this, whatever the
# inbox holds.
PEAK_MB = 1200


def peak_of_each_process(command: list[str], env: dict) -> tuple[subprocess.CompletedProcess, dict[int, float]]:
    """Run a command; each process of its tree (itself, Prefect's server) with its own peak resident size (VmHWM,
    polled while it lives: a peak is kept by the kernel, so the polling misses none but a process's last moments)."""
    import threading
    import time

    import psutil

    from .bench_national import vm_hwm_mb

    peaks: dict[int, float] = {}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
        said: dict[str, str] = {}
        readers = [threading.Thread(target=lambda n=n, p=p: said.update({n: p.read()}))
                   for n, p in (("out", run.stdout), ("err", run.stderr))]
        for reader in readers:
            reader.start()
        while run.poll() is None:
            with suppress(psutil.Error):
                for pid in [run.pid, *(c.pid for c in psutil.Process(run.pid).children(recursive=True))]:
                    peaks[pid] = max(peaks.get(pid, 0.0), vm_hwm_mb(pid) or 0.0)
            time.sleep(0.05)
        for reader in readers:
            reader.join()
    return subprocess.CompletedProcess(command, run.returncode, said["out"], said["err"]), peaks


@pytest.mark.slow
def test_a_hostile_inbox_keeps_every_process_within_what_a_county_server_has(ws):
    """The whole hostile inbox (a sheet of 10 million rows declaring no size, a 45 MB line, 10^18, two files of the
    row limit's worth of wrong rows, each row wrong twice): `ipwatch ingest --inbox` decides them all, the good
    files accepted, and no process of the run passes PEAK_MB. Their hundreds of thousands of findings, each held,
    explained and stored, took 2 GB; a report lists a rule's first rows now (validate.listed_per_rule)."""
    import sys

    from prefect.settings import PREFECT_API_URL

    from . import hostile_inbox

    made = hostile_inbox.make(ws.inbox)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "IPWATCH_INBOX_SETTLE_SECONDS": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(config.ROOT), os.environ.get("PYTHONPATH")]))}
    done, peaks = peak_of_each_process(
        [sys.executable, "-m", "ipwatch.cli", "--home", str(ws.home), "ingest", "--inbox", "--json"], env)
    assert done.returncode == 1, done.stderr[-3000:]
    outcomes = {Path(r["file"]).name: r["status"].split("_")[0] for r in map(json.loads, done.stdout.splitlines())}
    assert outcomes == {name: "accepted" if name.startswith("good") else "rejected" for name in made}
    print(f"peak of each process, MB: {sorted(peaks.values(), reverse=True)}")
    assert peaks and max(peaks.values()) < PEAK_MB, peaks
