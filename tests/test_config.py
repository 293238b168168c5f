"""The settings (ipwatch.config.Settings): read from the environment when asked, typed, refused in one line."""

from __future__ import annotations

import pytest

from ipwatch import cli, config
from ipwatch.intake import pipeline
from ipwatch.intake.batch import Batch, Entry, Incoming
from ipwatch.intake.reading import Limits


def test_settings_are_read_when_asked_not_when_imported(monkeypatch):
    monkeypatch.setenv("IPWATCH_MAX_ROWS", "10")
    assert config.settings().max_rows == 10
    monkeypatch.setenv("IPWATCH_MAX_ROWS", "20")
    assert config.settings().max_rows == 20


def test_an_unset_or_blank_variable_is_its_default():
    assert config.settings({}) == config.Settings()
    assert config.settings({"IPWATCH_LOCK_WAIT_SECONDS": " ", "IPWATCH_NOTIFY_BLOCK": ""}) == config.Settings()


def test_values_are_typed():
    given = config.settings({"IPWATCH_LOCK_WAIT_SECONDS": "0.3", "IPWATCH_EARLIEST_YEAR": "2021",
                             "IPWATCH_FONT_DIR": "/fonts", "IPWATCH_NOTIFY_BLOCK": " custom-webhook/ops "})
    assert (given.lock_wait_seconds, given.earliest_year) == (0.3, 2021)
    assert str(given.font_dir) == "/fonts" and given.notify_block == "custom-webhook/ops"


@pytest.mark.parametrize(("name", "value"), [
    ("IPWATCH_MAX_ROWS", "abc"), ("IPWATCH_MAX_COLUMNS", "6.5"), ("IPWATCH_CONFLICT_RETRIES", "-1"),
    ("IPWATCH_EARLIEST_YEAR", "二〇二一年"), ("IPWATCH_LOCK_WAIT_SECONDS", "-5"), ("IPWATCH_MIN_FREE_MB", "nan"),
    ("IPWATCH_MAX_FILE_MB", "50MB"), ("IPWATCH_DUCKDB_MEMORY", "lots"),
    ("IPWATCH_WAREHOUSE", "postgres:dbname=ipwatch"),
])
def test_a_value_that_cannot_be_used_is_refused_naming_its_variable(name, value):
    with pytest.raises(config.SettingError, match=name) as refused:
        config.settings({name: value})
    assert "\n" not in str(refused.value) and "(should be" in str(refused.value)


def test_a_setting_that_cannot_be_used_stops_a_command_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IPWATCH_MAX_ROWS", "abc")
    assert cli.main(["--home", str(tmp_path), "catalogue"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "IPWATCH_MAX_ROWS" in err and "环境变量" in err


def test_a_count_written_as_a_float_that_is_whole_is_taken_as_before():
    given = config.settings({"IPWATCH_MAX_ROWS": "2e5", "IPWATCH_MAX_COLUMNS": "64.0"})
    assert (given.max_rows, given.max_columns) == (200000, 64)


def test_the_portal_secret_is_used_exactly_as_given():
    assert config.settings({"IPWATCH_WEB_SECRET": " key with blanks "}).web_secret == " key with blanks "


def test_the_portal_secret_stays_out_of_the_settings_repr():
    assert "hunter2" not in repr(config.settings({"IPWATCH_WEB_SECRET": "hunter2"}))


def test_limits_not_given_are_the_settings_when_made(monkeypatch):
    monkeypatch.setenv("IPWATCH_MAX_ROWS", "7")
    monkeypatch.setenv("IPWATCH_MAX_FILE_MB", "1.5")
    assert Limits(max_columns=3) == Limits(max_bytes=1572864, max_rows=7, max_columns=3,
                                           max_unzipped_bytes=200 * 1024 * 1024)


def test_a_limit_that_cannot_be_used_stops_the_run_rather_than_rejecting_its_files(tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_text("region_code,period,indicator_code,value\n340102,2025Q3,pct_applications,5\n", "utf-8")
    batch = Batch(entries=(Entry(Incoming(path, "340100"), stored=path),))
    monkeypatch.setenv("IPWATCH_MAX_ROWS", "abc")
    with pytest.raises(config.SettingError, match="IPWATCH_MAX_ROWS"):
        pipeline.read(batch)
    monkeypatch.delenv("IPWATCH_MAX_ROWS")
    assert pipeline.read(batch).entries[0].readable


def test_defaults_are_set_only_where_nothing_is():
    env = {"PREFECT_HOME": "/srv/prefect", "PREFECT_LOGGING_LEVEL": ""}
    written = config.set_defaults({"PREFECT_HOME": "/x", "PREFECT_LOGGING_LEVEL": "INFO"}, env)
    assert written == ["PREFECT_LOGGING_LEVEL"]
    assert env == {"PREFECT_HOME": "/srv/prefect", "PREFECT_LOGGING_LEVEL": "INFO"}


def test_a_subprocess_environment_carries_the_changes_and_drops_what_is_none(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere/api")
    env = config.environment({"PREFECT_API_URL": None, "PREFECT_HOME": "/srv/prefect"})
    assert "PREFECT_API_URL" not in env and env["PREFECT_HOME"] == "/srv/prefect" and "PATH" in env
