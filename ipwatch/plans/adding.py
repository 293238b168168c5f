"""`ipwatch plan add`: a checked plan into the catalogue of the checkout (data/plans/<plan_id>.yaml), its new
indicators and its wordings into data/indicators.yaml, the reviewer's notes left out. The catalogue is source data
kept in git, read by every command and workspace of the checkout: the change is a diff a person commits."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ipwatch import files
from ipwatch.domain import plan_checks
from ipwatch.plans import draft


class AddError(ValueError):
    """A plan that cannot be added as it is: the message says why, in Chinese with English beside."""


def add(path: Path, data_dir: Path) -> Path:
    """Put the plan at `path` into the catalogue under `data_dir`; the plan file written."""
    plan = yaml.safe_load(path.read_text("utf-8"))
    target = data_dir / "plans" / f"{plan['plan_id']}.yaml"
    kept, given = documents_dir(data_dir) / str(plan["seed"]), path.parent / str(plan["seed"])
    if kept.exists() and given.is_file() and kept.read_bytes() != given.read_bytes():
        raise AddError(f"目录中已有另一份名为 {kept.name} 的文件；请给文件改名并改 seed "
                       "(another document of this name)")
    if target.exists():
        raise AddError(f"目录中已有规划 {plan['plan_id']}（{target.name}）；改 plan_id，或先删去旧文件 "
                       f"(a plan of this id is in the catalogue)")
    indicators_file = data_dir / "indicators.yaml"
    text = indicators_file.read_text("utf-8")
    for raw in plan.pop("new_indicators", None) or []:
        text = text.rstrip("\n") + "\n" + yaml.dump(
            [{k: draft.FlowList(v) if isinstance(v, list) else v for k, v in raw.items()}],
            Dumper=draft.Dumper, allow_unicode=True, sort_keys=False, width=1000)
    for t in plan["targets"]:
        text = with_alias(text, t["indicator"], t["wording"])
    if given.is_file():  # kept with the catalogue, so that every source can be checked against it again
        files.publish_copy(kept, given)
    files.publish(indicators_file, text)
    return files.publish(target, plan_text(plan))


def documents_dir(data_dir: Path) -> Path:
    """Where the catalogue keeps the documents of the plans added to it (the seeds are in shared/seeds)."""
    return data_dir / "plans" / "documents"


def plan_text(plan: dict) -> str:
    """The plan as its catalogue file: the review keys left out, a head line naming it."""
    plan.pop("review", None)
    for t in plan["targets"]:
        for key in plan_checks.DRAFT_TARGET_KEYS:
            t.pop(key, None)
    head = f"# {plan['title']} — seed {plan['seed']}. Format: data/CATALOGUE.md.\n"
    return head + draft.yaml_text(plan)


def with_alias(text: str, code: str, wording: str) -> str:
    """indicators.yaml with `wording` among the aliases of `code` (a bulletin finds a plan's name there)."""
    block = re.search(rf"^- code: {re.escape(code)}\n(?:(?!- code:).*\n?)*", text, re.MULTILINE)
    if block is None:
        raise AddError(f"data/indicators.yaml 中没有指标 {code} (no such indicator)")
    aliases = re.search(r"^  aliases: (\[.*\])$", block.group(0), re.MULTILINE)
    names = yaml.safe_load(aliases.group(1)) if aliases else []
    if wording in names or _named(block.group(0), wording):
        return text
    line = "  aliases: " + yaml.safe_dump([*names, wording], allow_unicode=True, default_flow_style=True,
                                         width=1000).strip()
    if aliases:
        start = block.start() + aliases.start()
        return text[:start] + line + text[block.start() + aliases.end():]
    end = block.end()
    return text[:end].rstrip("\n") + "\n" + line + "\n" + text[end:]


def _named(block: str, wording: str) -> bool:
    name = re.search(r"^  name_zh: (.*)$", block, re.MULTILINE)
    return bool(name) and yaml.safe_load(name.group(1)) == wording
