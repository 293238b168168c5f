"""The project's own habits: documented commands, views that exist, SQL loaded by name."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ipwatch import cli, config, warehouse
from ipwatch.ops import serving

ROOT = config.ROOT
README = (ROOT / "README.md").read_text("utf-8")


def commands() -> dict:
    sub = next(a for a in cli.parser()._actions if a.dest == "command")
    return sub.choices


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_help_and_a_readme_entry(name):
    assert commands()[name].format_help()
    helps = {a.dest: a.help for a in cli.parser()._actions[-1]._choices_actions}
    assert helps[name]
    assert f"`ipwatch {name}" in README


@pytest.mark.parametrize("view", re.findall(r"^\| `(\w+)` \|", README.split("## SQL views")[1].split("\n## ")[0], re.M))
def test_every_readme_view_exists(conn, view):
    assert view in warehouse.VIEWS
    assert conn.execute(f"select * from {view} limit 0").description


def code_files(root: Path = ROOT) -> list[Path]:
    """Every Python module of the product, in whatever package it sits."""
    return sorted([*root.glob("ipwatch/**/*.py"), *root.glob("flows/**/*.py")])


def test_every_sql_name_used_in_code_is_a_file():
    used = set()
    for path in code_files():
        used |= set(re.findall(r"""(?:sql|query)\((?:conn, )?"(\w+)\"""", path.read_text("utf-8")))
    used |= set(warehouse.TABLES + warehouse.VIEWS)
    missing = [name for name in used if not (config.SQL_DIR / f"{name}.sql").exists()]
    assert used and missing == []


def test_every_sql_file_is_used():
    code = "".join(p.read_text("utf-8") for p in code_files())
    upgrades = {f"upgrade_to_{v}" for v in range(2, warehouse.SCHEMA_VERSION + 1)}  # found by their number
    unused = [p.stem for p in config.SQL_DIR.glob("*.sql")
              if f'"{p.stem}"' not in code and p.stem not in upgrades]
    assert unused == []


def test_init_is_idempotent(ws):
    from ipwatch.warehouse import reference

    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        assert conn.sql("select count(*) from targets").fetchone() == (80,)


def test_workspace_defaults_to_data_and_follows_ipwatch_home(monkeypatch, tmp_path):
    monkeypatch.delenv("IPWATCH_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.workspace().home == tmp_path / "data"
    monkeypatch.setenv("IPWATCH_HOME", str(tmp_path / "elsewhere"))
    assert config.workspace().home == tmp_path / "elsewhere"
    assert config.workspace(Path("x")).home == tmp_path / "x"


def test_analytics_are_off():
    import os

    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_warehouse_records_its_schema_version(conn):
    assert warehouse.schema_version(conn) == warehouse.SCHEMA_VERSION


def test_warehouse_from_before_versioning_is_refused_with_advice(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("create table submissions (submission_id integer)")
    with warehouse.connect(path) as conn, pytest.raises(warehouse.SchemaError, match="ipwatch init"):
        warehouse.create_schema(conn)


def test_prefect_yaml_schedules_run_in_the_offices_time_zone():
    specs = {s["name"]: s for s in serving.deployment_specs()}
    assert set(specs) == {"inbox", "monthly-bulletin", "quarterly-bulletin", "audit-report"}
    assert {s["timezone"] for spec in specs.values() for s in spec["schedules"]} == {config.TIMEZONE}
    assert [s["cron"] for s in specs["inbox"]["schedules"]] == ["*/15 * * * *"]
    assert [s["cron"] for s in specs["monthly-bulletin"]["schedules"]] == ["0 8 5 * *"]
    due_day = yaml.safe_load((config.DATA_DIR / "validation.yaml").read_text("utf-8"))["due_day"]
    [quarterly] = specs["quarterly-bulletin"]["schedules"]
    assert quarterly["cron"] == f"0 8 {due_day + 1} 1,4,7,10 *"  # the day after each quarter's due date
    for spec in specs.values():
        assert serving.load_flow(spec["entrypoint"]).name  # every entrypoint is a flow


def import_rules_hold(root: Path) -> subprocess.CompletedProcess:
    """import-linter's contracts (pyproject.toml) checked over the packages under `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


def house_copy(tmp_path: Path) -> Path:
    for name in ("ipwatch", "flows"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_packages_import_downwards_only_and_in_no_circle():
    checked = import_rules_hold(ROOT)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize(("module", "planted", "broken"), [
    ("domain/units.py", "from ipwatch.intake import pipeline", "is not allowed to import ipwatch.intake"),
    ("warehouse/load.py", "from ipwatch.bulletins import bulletin", "is not allowed to import ipwatch.bulletins"),
    ("intake/normalise.py", "from ipwatch.intake import explain", "No cycles are allowed in ipwatch.intake"),
])
def test_the_import_check_fails_on_a_planted_upward_import_or_circle(tmp_path, module, planted, broken):
    root = house_copy(tmp_path)
    path = root / "ipwatch" / module
    path.write_text(path.read_text("utf-8") + f"\n{planted}  # noqa\n", "utf-8")
    checked = import_rules_hold(root)
    assert checked.returncode == 1 and broken in checked.stdout, checked.stdout
