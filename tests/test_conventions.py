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
from ipwatch.warehouse import sql_files

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


def readme_names(heading: str) -> list[str]:
    """The names in the first column of the README table whose header row is `heading`."""
    return re.findall(r"^\| `(\w+)` \|", README.split(heading)[1].split("\n\n")[0], re.M)


@pytest.mark.parametrize("view", readme_names("| view | columns |"))
def test_every_readme_view_exists(conn, view):
    assert view in sql_files.views()
    assert conn.execute(f"select * from {view} limit 0").description


@pytest.mark.parametrize("table", readme_names("| table | rows |"))
def test_every_readme_reference_table_exists_and_is_filled_by_init(conn, table):
    assert table in sql_files.tables()
    assert conn.execute(f"select count(*) from {table}").fetchone()[0] > 0


def code_files(root: Path = ROOT) -> list[Path]:
    """Every Python module of the product, in whatever package it sits."""
    return sorted([*root.glob("ipwatch/**/*.py"), *root.glob("flows/**/*.py")])


# What the statements of each folder of sql/ begin with (after their comments): a file sits where what it does is.
SQL_BEGINNINGS = {"tables": r"create (or replace )?table", "macros": r"create or replace macro",
                  "views": r"create or replace view", "upgrades": r"", "queries": r"(select|with|from)\b",
                  "writes": r"(insert|update|delete)\b"}


def sql_names_in_code(root: Path = ROOT) -> set[str]:
    """The SQL files the code asks for by name: warehouse.sql("x"), query(conn, "x"), query_over(conn, "x")."""
    asked = re.compile(r"""(?:sql|query|query_over)\((?:conn, )?"(\w+)\"""")
    return {name for path in code_files(root) for name in asked.findall(path.read_text("utf-8"))}


def upgrades_needed() -> set[str]:
    """The upgrades create_schema runs, found by their number up to the schema version."""
    return {f"upgrade_to_{v}" for v in range(2, warehouse.SCHEMA_VERSION + 1)}


def sql_names_without_a_file(root: Path = ROOT) -> list[str]:
    """Names the code asks for, and upgrades the schema version needs, that no file under root/sql has."""
    return sorted((sql_names_in_code(root) | upgrades_needed()) - set(sql_files.index(root / "sql")))


def unused_sql_files(root: Path = ROOT) -> list[str]:
    """Queries and writes no code names, and upgrades past the schema version (tables, macros and views are all
    made, by their folder)."""
    code = "".join(p.read_text("utf-8") for p in code_files(root))
    sql = root / "sql"
    named = [*sql_files.names("queries", sql), *sql_files.names("writes", sql)]
    return sorted([n for n in named if f'"{n}"' not in code]
                  + [n for n in sql_files.names("upgrades", sql) if n not in upgrades_needed()])


def misplaced_sql_files(root: Path = ROOT) -> list[str]:
    """Files at sql/'s root or in no folder of sql_files.FOLDERS, or whose statement is not what their folder
    holds (an upgrade's name is upgrade_to_<N>)."""
    sql = root / "sql"
    wrong = []
    for path in sorted(sql.rglob("*.sql")):
        folder = path.parent.relative_to(sql).as_posix()
        statement = sql_files.NOT_CODE.sub("", path.read_text("utf-8")).strip().lower()
        if folder not in sql_files.FOLDERS or not re.match(SQL_BEGINNINGS[folder], statement) or (
                folder == "upgrades" and not re.fullmatch(r"upgrade_to_\d+", path.stem)):
            wrong.append(path.relative_to(sql).as_posix())
    return wrong


def test_every_sql_name_used_in_code_is_a_file():
    assert sql_names_in_code() and sql_names_without_a_file() == []


def test_every_sql_file_is_used():
    assert unused_sql_files() == []


def test_every_sql_file_sits_in_the_folder_of_what_it_does():
    assert sql_files.index() and misplaced_sql_files() == []


def sql_copy(tmp_path: Path) -> Path:
    """The product's code and sql/ copied under `tmp_path`, for planting a violation."""
    for name in ("ipwatch", "flows", "sql"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def plant(root: Path, path: str, text: str) -> None:
    """Write `text` at `path` under `root` (appended to a file that exists)."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((target.read_text("utf-8") if target.exists() else "") + text, "utf-8")
    sql_files.index.cache_clear()  # the loader indexes a folder, and reads a file, once per process
    sql_files.text.cache_clear()


@pytest.mark.parametrize(("check", "path", "text", "found"), [
    (sql_names_without_a_file, "ipwatch/audit/history.py", '\nwarehouse.query(conn, "no_such_file")\n',
     ["no_such_file"]),
    (unused_sql_files, "sql/queries/nobody_reads.sql", "select 1;\n", ["nobody_reads"]),
    (unused_sql_files, "sql/upgrades/upgrade_to_99.sql", "select 1;\n", ["upgrade_to_99"]),
    (misplaced_sql_files, "sql/stray.sql", "select 1;\n", ["stray.sql"]),
    (misplaced_sql_files, "sql/writes/peek.sql", "select 1;\n", ["writes/peek.sql"]),
    (misplaced_sql_files, "sql/views/sub/deep.sql", "create or replace view deep as select 1;\n",
     ["views/sub/deep.sql"]),
])
def test_the_sql_checks_fail_on_a_planted_violation(tmp_path, check, path, text, found):
    root = sql_copy(tmp_path)
    assert check(root) == []
    plant(root, path, text)
    assert check(root) == found


def test_an_upgrade_the_schema_version_needs_is_missed_without_its_file(tmp_path):
    root = sql_copy(tmp_path)
    (root / "sql" / "upgrades" / f"upgrade_to_{warehouse.SCHEMA_VERSION}.sql").unlink()
    assert sql_names_without_a_file(root) == [f"upgrade_to_{warehouse.SCHEMA_VERSION}"]


def sql_folder(root: Path, files: dict[str, str]) -> Path:
    """A sql/ folder of the given files (path under it: text)."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, "utf-8")
    return root


def test_the_sql_loader_refuses_two_files_of_one_name(tmp_path):
    sql = sql_folder(tmp_path, {"views/twice.sql": "create or replace view twice as select 1;",
                                "queries/twice.sql": "select 1;"})
    with pytest.raises(sql_files.SqlFileError, match=r"queries/twice\.sql and .*views/twice\.sql"):
        sql_files.text("twice", sql)


def test_views_are_made_after_the_views_and_macros_they_read(tmp_path):
    import duckdb

    sql = sql_folder(tmp_path, {
        "views/a_reader.sql": "-- before b_base by name, after it by what it reads\n"
                              "create or replace view a_reader as select twice(one) as two from b_base;",
        "views/b_base.sql": "create or replace view b_base as select 1 as one, 'a_reader' as not_a_dependency;",
        "macros/twice.sql": "create or replace macro twice(x) as x * 2;",
    })
    order = sql_files.built(sql)
    assert order.index("b_base") < order.index("a_reader") and order.index("twice") < order.index("a_reader")
    with duckdb.connect() as conn:
        for name in order:
            conn.execute(sql_files.text(name, sql))
        assert conn.sql("from a_reader").fetchall() == [(2,)]


def test_views_that_read_each_other_in_a_circle_are_refused(tmp_path):
    sql = sql_folder(tmp_path, {"views/egg.sql": "create or replace view egg as select * from hen;",
                                "views/hen.sql": "create or replace view hen as select * from egg;"})
    with pytest.raises(sql_files.SqlFileError, match="circle"):
        sql_files.built(sql)


def test_every_view_is_made_after_what_it_reads():
    order = sql_files.built()
    assert set(order) == set(sql_files.views() + sql_files.macros())
    assert order.index("period_key") < order.index("observed") < order.index("peer_ranks") < order.index("progress")
    assert order.index("due_date") < order.index("timeliness")


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



def test_no_task_of_a_flow_hashes_its_inputs_for_a_cache():
    """Prefect's default cache policy JSON-dumps every input of every task call to make a key: the inbox's report
    task made a 420 MB string of a hostile inbox's findings. Every task of flows/ is made by flows.hooks.task."""
    import importlib

    from prefect import Task
    from prefect.cache_policies import NO_CACHE

    made = {}
    for path in sorted((ROOT / "flows").glob("*.py")):
        module = importlib.import_module(f"flows.{path.stem}")
        made |= {f"{path.stem}.{name}": value for name, value in vars(module).items() if isinstance(value, Task)}
        made |= {f"{path.stem}.{name}[{key.__name__}]": value for name, value in vars(module).items()
                 if isinstance(value, dict) for key, value in value.items() if isinstance(value, Task)}
    assert {"ingest.report", "ingest.process", "ingest.STAGE_TASKS[validate]", "progress.read_progress"} <= set(made)
    assert {name for name, made_task in made.items() if made_task.cache_policy is not NO_CACHE} == set()

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


def map_rows() -> list[tuple[str, str]]:
    """The README's Map: each row's package (as the table names it) and what lives there."""
    table = README.split("### Map")[1].split("| --- | --- | --- |\n")[1].split("\n\n")[0]
    return [(cells[1].strip(" `"), cells[2]) for cells in (line.split("|") for line in table.splitlines())]


def map_place(name: str) -> Path:
    return ROOT / name.rstrip("/") if name.startswith("flows") else ROOT / "ipwatch" / name.rstrip("/")


def test_the_readme_map_names_every_package_and_module_and_only_those():
    rows = map_rows()
    packages = {p.name + "/" for p in (ROOT / "ipwatch").iterdir() if (p / "__init__.py").exists()}
    modules = {p.name for p in (ROOT / "ipwatch").glob("*.py") if p.name != "__init__.py"}
    assert {name for name, _ in rows} == packages | modules | {"flows/"}
    for name, text in rows:
        if not name.endswith("/"):
            continue
        inside = {p.stem for p in map_place(name).glob("*.py") if not p.stem.startswith("__")}
        named = set(re.findall(r"`(\w+)`", text))
        assert inside <= named, f"{name} in the README's Map lacks {sorted(inside - named)}"


def test_the_readme_map_is_in_the_order_of_the_import_layers():
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    [layers] = [c["layers"] for c in contracts if c["type"] == "layers"]
    as_layer = {name: ("flows" if name == "flows/" else "ipwatch." + name.removesuffix("/").removesuffix(".py"))
                for name, _ in map_rows()}
    assert [as_layer[name] for name, _ in map_rows()] == layers


def test_the_product_says_tongbao_never_jianbao():
    """One name for one thing: a bulletin is a 通报 in every text a person reads (an office was told of its 简报 in
    some messages and of its 通报 in others)."""
    texts = [*ROOT.joinpath("ipwatch").rglob("*.py"), *ROOT.joinpath("flows").rglob("*.py"),
             *ROOT.joinpath("reports", "templates").rglob("*.j2"),
             *ROOT.joinpath("expectations", "rules").glob("*.yaml")]
    assert [str(p.relative_to(ROOT)) for p in texts if "简报" in p.read_text("utf-8")] == []
