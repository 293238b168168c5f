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


# One place for the environment (#24): only ipwatch/config.py touches it, and the README's table lists what it reads.
ENVIRONMENT = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_uses(path: Path) -> list[int]:
    """The lines where a module touches the environment itself (os.environ, os.getenv, from os import environ...)."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    names = {"os"} | {a.asname for node in ast.walk(tree) if isinstance(node, ast.Import)
                      for a in node.names if a.name == "os" and a.asname}
    return sorted(node.lineno for node in ast.walk(tree)
                  if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                      and node.value.id in names and node.attr in ENVIRONMENT)
                  or (isinstance(node, ast.ImportFrom) and node.module == "os"
                      and any(a.name in ENVIRONMENT for a in node.names)))


def environment_outside_config(root: Path = ROOT) -> list[str]:
    """Every place in ipwatch/ and flows/ but ipwatch/config.py that touches the environment, as path:line."""
    return [f"{path.relative_to(root)}:{line}" for path in code_files(root) if path != root / "ipwatch" / "config.py"
            for line in environment_uses(path)]


def test_only_config_reads_the_environment():
    assert environment_outside_config() == []


@pytest.mark.parametrize(("planted", "found"), [
    ('import os\nos.environ.get("X")\n', True),
    ('import os as system\nsystem.getenv("X")\n', True),
    ("from os import environ\n", True),
    ('# os.environ.get("X") in a comment is not a read\n', False),
])
def test_the_environment_check_finds_a_planted_read(tmp_path, planted, found):
    for module in ("domain/units.py", "config.py"):
        (tmp_path / "ipwatch" / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "ipwatch" / module, tmp_path / "ipwatch" / module)
    path = tmp_path / "ipwatch" / "domain" / "units.py"
    path.write_text(path.read_text("utf-8") + planted, "utf-8")
    reported = environment_outside_config(tmp_path)
    assert reported == ([f"ipwatch/domain/units.py:{len(path.read_text('utf-8').splitlines())}"] if found else [])


def readme_settings() -> dict[str, tuple[str, str]]:
    """The README's table of settings: variable -> (default, meaning)."""
    section = README.split("\n### Settings\n")[1].split("\n#")[0]
    return {name: (default, meaning)
            for name, default, meaning in re.findall(r"^\| `(\w+)` \| (.+?) \| (.+) \|$", section, re.M)}


def shown(default: object) -> str:
    """A default as the README's table shows it: '—' for none, numbers without a needless '.0'."""
    if default is None or default == "":
        return "—"
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


def test_every_setting_is_in_the_readme_table_with_its_default_and_meaning():
    from dataclasses import fields

    assert readme_settings() == {f.metadata["variable"]: (shown(f.default), f.metadata["meaning"])
                                 for f in fields(config.Settings)}


def test_every_ipwatch_variable_the_readme_names_is_a_setting():
    from dataclasses import fields

    named = set(re.findall(r"\bIPWATCH_[A-Z_]+\b", README))
    assert named and named <= {f.metadata["variable"] for f in fields(config.Settings)}
