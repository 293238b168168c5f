"""`ipwatch plan check` and `plan add`: every problem with its line and fix, each seed's draft accepted once
reviewed, the loader refusing a broken plan, and a plan added to a copy of the checkout reaching the next form,
suite and bulletin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from ipwatch import config
from ipwatch.domain import catalogue as cat
from ipwatch.plans import adding, check, draft

from .test_plan_drafting import SEEDS, write_docx

# A hand-edited plan with four mistakes; the line of each counted by hand (the first line is 1).
BROKEN = """\
plan_id: wuhu-2026
title: 芜湖市知识产权强市建设规划
issuer: 芜湖市人民政府
region_code: "340299"
period: {start: 2026, end: 2030}
seed: wuhu.docx
key_targets: [per-10k]
targets:
  - id: per-10k
    indicator: high_value_invention_patents_per_10k
    wording: 每万人口高价值发明专利拥有量
    kind: levels
    direction: up
    target: {year: 2035, value: 25}
    unit: 件
    source: "到2030年，全市每万人口高价值发明专利拥有量达到25件。"
  - id: pledge
    indicator: ip_pledge_financing_amount
    wording: 知识产权质押融资额
    kind: level
    direction: up
    target: {year: 2030, value: 80}
    unit: 件
    source: "知识产权质押融资额达到80亿元"
"""


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command as an administrator runs it, from this checkout wherever the working directory is."""
    env = env or {**os.environ, "PYTHONPATH": str(config.ROOT)}
    return subprocess.run([sys.executable, "-m", "ipwatch.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_check_lists_every_problem_with_its_line_and_fix(tmp_path):
    plan = tmp_path / "wuhu.yaml"
    plan.write_text(BROKEN, "utf-8")
    out = run("plan", "check", str(plan))
    assert out.returncode == 2
    lines = out.stdout.splitlines()
    assert lines[0] == "wuhu.yaml：4 处问题 (4 problems)"
    problems = [line.strip() for line in lines[1::2]]
    fixes = [line.strip() for line in lines[2::2]]
    assert [p.split("：")[0] for p in problems] == [
        "第 4 行 region_code", "第 12 行 targets[0].kind", "第 14 行 targets[0].target.year",
        "第 23 行 targets[1].unit"]
    assert fixes[0].startswith("修改 (fix)：填写 data/regions.csv 中的六位代码")
    assert fixes[1] == "修改 (fix)：改为 level / share / annual_growth / annual_flow / cumulative / rank 之一"
    assert "2026 至 2030" in fixes[2] and "亿元" in problems[3]
    assert "Traceback" not in out.stdout + out.stderr


def test_check_finds_a_source_that_is_not_the_documents_words(tmp_path):
    write_docx(tmp_path / "wuhu.docx")
    plan = tmp_path / "wuhu.yaml"
    plan.write_text(BROKEN.replace('"340299"', '"340200"').replace("levels", "level").replace("2035", "2030")
                    .replace("unit: 件\n    source: \"知识产权", "unit: 亿元\n    source: \"知识产权"), "utf-8")
    problems = check.check(plan)  # the seed, wuhu.docx, lies beside it
    assert [(p.line, p.where) for p in problems] == [(24, "targets[1].source")]


def test_a_file_that_is_no_yaml_gets_its_line(tmp_path):
    plan = tmp_path / "bad.yaml"
    plan.write_text("plan_id: x\ntargets:\n  - id: [a\n", "utf-8")
    (problem,) = check.check(plan)
    assert problem.line == 4 and "YAML" in problem.message


def reviewed(made: dict) -> dict:
    """What the reviewer of a seed's draft fills in that the text does not say: a title, an issuer."""
    made["title"] = made["title"] or "山东省2015年知识产权工作要点"
    made["issuer"] = made["issuer"] or "山东省知识产权局"
    return made


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_each_seeds_draft_is_accepted_once_its_header_is_reviewed(seed, tmp_path):
    made = draft.as_dict(draft.draft(SEEDS / seed))
    path = tmp_path / "draft.yaml"
    path.write_text(draft.yaml_text(reviewed(made)), "utf-8")
    assert check.check(path, SEEDS / seed) == []


def test_the_loader_refuses_a_broken_plan_naming_its_problems(tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "wuhu.yaml").write_text(BROKEN, "utf-8")
    with pytest.raises(cat.CatalogueError, match=r"wuhu.yaml 有 4 处问题.*targets\.0\.kind"):
        cat.load(config.INDICATORS_FILE, tmp_path / "plans")


def test_an_alias_is_added_once_to_the_indicators_list():
    text = config.INDICATORS_FILE.read_text("utf-8")
    once = adding.with_alias(text, "patent_attorneys", "执业专利代理师")
    assert "  aliases: [专利代理师数量, 专利代理师, 执业专利代理师]\n" in once
    assert adding.with_alias(once, "patent_attorneys", "执业专利代理师") == once
    assert len(once.splitlines()) == len(text.splitlines())
    assert {i["code"]: i for i in yaml.safe_load(once)}["patent_attorneys"]["aliases"][-1] == "执业专利代理师"


def checkout_copy(root: Path) -> Path:
    """The parts of the checkout a command reads, copied: data/ and expectations/ change there, not here."""
    for name in ("ipwatch", "flows", "sql", "reports", "expectations", "data"):
        shutil.copytree(config.ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "prefect", "*.duckdb*", "bulletins"))
    shutil.copy(config.ROOT / "prefect.yaml", root / "prefect.yaml")
    return root


@pytest.mark.slow
def test_an_added_plan_reaches_the_next_form_suite_and_bulletin(tmp_path):
    root = checkout_copy(tmp_path / "checkout")
    env = {**_env(tmp_path), "PYTHONPATH": str(root), "IPWATCH_HOME": str(tmp_path / "home")}
    document = write_docx(tmp_path / "wuhu.docx")
    assert run("plan", "draft", str(document), env=env, cwd=tmp_path).returncode == 0
    assert run("plan", "check", str(tmp_path / "wuhu.yaml"), env=env, cwd=tmp_path).returncode == 0
    added = run("plan", "add", str(tmp_path / "wuhu.yaml"), env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert run("plan", "add", str(tmp_path / "wuhu.yaml"), env=env, cwd=tmp_path).returncode == 2  # once only
    plan = yaml.safe_load((root / "data" / "plans" / "340200-2026.yaml").read_text("utf-8"))
    assert "review" not in plan and all("confidence" not in t for t in plan["targets"])
    assert "data_ip_registrations" in (root / "expectations" / "submission_rows.yaml").read_text("utf-8")
    kept = root / "data" / "plans" / "documents" / "wuhu.docx"
    assert kept.read_bytes() == document.read_bytes()
    checked = run("plan", "check", str(root / "data" / "plans" / "340200-2026.yaml"), env=env, cwd=tmp_path)
    assert checked.returncode == 0 and "未发现问题" in checked.stdout  # its sources checked against the kept document

    form = tmp_path / "form.xlsx"
    made = run("template", "--region", "340200", "--period", "2026Q4", "-o", str(form), env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    codes = {row[0] for row in openpyxl.load_workbook(form).worksheets[0].iter_rows(values_only=True)}
    assert {"data_ip_registrations", "high_value_invention_patents_per_10k", "ip_pledge_financing_amount",
            "ip_protection_satisfaction"} <= codes

    assert run("init", env=env, cwd=tmp_path).returncode == 0
    out = tmp_path / "bulletins"
    rendered = run("bulletin", "--period", "2026Q4", "--region", "340200", "-o", str(out), env=env, cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    page = (out / "2026Q4-340200-2026.html").read_text("utf-8")
    assert "芜湖市知识产权强市建设“十五五”规划" in page and "数据知识产权登记量" in page and "3,000" in page


def _env(tmp_path: Path) -> dict:
    from .conftest import clean_env

    return clean_env(tmp_path)


@pytest.mark.parametrize(("args", "message"), [
    (["plan", "draft", "nope.txt"], "找不到文件 nope.txt (file not found)"),
    (["plan", "draft", "plan.rtf"], "不支持的文件类型 .rtf"),
    (["plan", "draft", "broken.docx"], "broken.docx 不是可读的 Word 文档 (not a readable .docx)"),
    (["plan", "draft", "broken.pdf"], "broken.pdf 不是可读的 PDF (not a readable PDF)"),
    (["plan", "draft", "empty.txt"], "empty.txt 中没有可读的文字"),
    (["plan", "check", "nope.yaml"], "找不到文件 nope.yaml (file not found)"),
    (["plan", "add", "nope.yaml"], "找不到文件 nope.yaml (file not found)"),
])
def test_a_document_that_cannot_be_read_is_one_line_and_exit_2(args, message, tmp_path):
    for name in ("plan.rtf", "broken.docx", "broken.pdf"):
        (tmp_path / name).write_bytes(b"not what the name says")
    (tmp_path / "empty.txt").write_text("\n \n", "utf-8")
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith(f"ipwatch: 错误 (error): {message}")
    assert len(out.stderr.splitlines()) == 1 and str(tmp_path) not in out.stderr


def test_a_rank_by_place_is_drafted_as_a_share_and_refused_when_written_in_places(tmp_path):
    # 芜湖 among 安徽's 16 地级市: 前3位 is 3 / 16 = 18.75% (plans/ranks.py; tests/test_plan_ranks.py)
    made = draft.draft(_document(tmp_path, "到2030年，全市专利授权量进入全省前3位。"))
    (p,) = made.proposals
    assert (p.kind, p.value, p.unit, p.peer_scope) == ("rank", 18.75, "%", "province")
    path = tmp_path / "draft.yaml"
    path.write_text(draft.dumped(made), "utf-8")
    assert check.check(path) == []
    path.write_text(draft.dumped(made).replace("value: 18.75", "value: 3").replace("unit: '%'", "unit: 位"), "utf-8")
    problems = [(x.where, x.fix) for x in check.check(path)]
    assert ("targets[0].unit", "改写为前N%：名次÷参与排名的地区数，向下取两位小数（全省16个市中的前3位为前18.75%），"
            "或删去该目标") in problems


def _document(tmp_path: Path, sentence: str) -> Path:
    path = tmp_path / "plan.txt"
    path.write_text(f"芜湖市知识产权强市建设“十五五”规划（2026—2030年）\n芜湖市人民政府\n{sentence}\n", "utf-8")
    return path
