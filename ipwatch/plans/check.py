"""`ipwatch plan check`: every problem of a plan file or a draft at once, each with its line in the YAML and a
fix, from the catalogue's own rules (domain/plan_checks) and, where the document is at hand, its sources."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ipwatch import config
from ipwatch.domain import plan_checks
from ipwatch.plans import documents


@dataclass(frozen=True)
class Located:
    line: int  # 1-based line in the YAML file
    where: str  # targets[3].unit
    message: str
    fix: str


def lines_of(node: yaml.Node, at: tuple = ()) -> dict[tuple, int]:
    """Each key's and item's 1-based line in a composed YAML document, by its path."""
    lines = {at: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*at, key.value)] = key.start_mark.line + 1
            lines |= {k: v for k, v in lines_of(value, (*at, key.value)).items() if k != (*at, key.value)}
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines |= lines_of(item, (*at, i))
    return lines


def where(path: tuple) -> str:
    """A path as a reader writes it: targets[3].unit."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "（文件）"


def line_for(path: tuple, lines: dict[tuple, int]) -> int:
    """The line of a path, or of its nearest parent written in the file (a missing key: its mapping's line)."""
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


def check(path: Path, document: Path | None = None, indicators_file: Path = config.INDICATORS_FILE,
          ) -> list[Located]:
    """Every problem of the plan file at `path`, in the order of its lines."""
    if not path.is_file():
        raise documents.DocumentError(f"找不到文件 {path.name} (file not found)")
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        return [Located(1, "（文件）", "文件不是 UTF-8 编码 (not UTF-8 text)", "用 UTF-8 编码另存")]
    try:
        node = yaml.compose(text)
        plan = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [Located(mark.line + 1 if mark else 1, "（文件）", f"YAML 格式错误 (not valid YAML): "
                        f"{getattr(exc, 'problem', '') or ''}", "检查该行的缩进、冒号和引号")]
    if node is None:
        return [Located(1, "（文件）", "文件为空 (empty)", "用 ipwatch plan draft 生成草稿")]
    lines = lines_of(node)
    known = {i["code"]: i for i in yaml.safe_load(indicators_file.read_text("utf-8"))}
    new = plan.get("new_indicators") or [] if isinstance(plan, dict) else []
    problems = [p for i, raw in enumerate(new) for p in plan_checks.indicator_problems(
        raw, ("new_indicators", i), set(known))]
    proposed = {raw.get("code"): raw for raw in new if isinstance(raw, dict)}
    problems += plan_checks.plan_problems(plan, known | proposed, _region_codes())
    problems += _sources(plan, document or _beside(path, plan))
    located = [Located(line_for(p.path, lines), where(p.path), p.message, p.fix) for p in problems]
    return sorted(located, key=lambda p: p.line)


def _region_codes() -> set[str]:
    from ipwatch.domain import regions

    return set(regions.load()["region_code"].to_list())


def _beside(path: Path, plan: object) -> Path | None:
    """The plan's document, under the name its `seed` gives: beside the YAML file (a draft), or where `plan add`
    keeps it (a plan of the catalogue)."""
    seed = plan.get("seed") if isinstance(plan, dict) else None
    if not seed:
        return None
    for folder in (path.parent, path.parent / "documents"):
        if (folder / str(seed)).is_file():
            return folder / str(seed)
    return None


def _sources(plan: object, document: Path | None) -> list[plan_checks.Problem]:
    """A source that is not the document's own words cannot be found by the person who checks the target."""
    if document is None or not isinstance(plan, dict):
        return []
    blocks = documents.read(document)
    whole = "\n".join(b.text for b in blocks)
    problems = []
    for i, target in enumerate(plan.get("targets") or []):
        source = target.get("source") if isinstance(target, dict) else None
        if source and source not in whole:
            problems.append(plan_checks.Problem(("targets", i, "source"),
                                                f"source 不是 {document.name} 的原文 (not verbatim in the document)",
                                                "从文件中原样复制该句或该表格行"))
    return problems


def report(problems: list[Located], name: str) -> str:
    """The problems as an administrator reads them: line, place, what is wrong, the fix."""
    if not problems:
        return f"{name}：未发现问题 (no problems)"
    out = [f"{name}：{len(problems)} 处问题 ({len(problems)} problems)"]
    for p in problems:
        out.append(f"  第 {p.line} 行 {p.where}：{p.message}\n    修改 (fix)：{p.fix}")
    return "\n".join(out)
