"""The administrators' plan review page (#31): a plan document uploaded, drafted (`ipwatch plan draft`), read beside
its draft with each target marked in its sentence, each target accepted, edited or dropped, then checked (`plan
check`) and added (`plan add`) by the very functions the commands use.

A review lives in the workspace, `<home>/plan_drafts/<id>/`: the document under its (cleaned) name, `draft.yaml` as
drafted and never changed, `review.json` (the header as edited, each target's decision and fields, the last check,
whether it was added) and `plan.yaml`, the draft with the review applied: what `check` reads and `add` adds."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

import yaml

from ipwatch import config, files
from ipwatch.domain import catalogue as cat
from ipwatch.domain import plan_checks
from ipwatch.plans import adding, check, documents, draft
from ipwatch.portal import views

DECISIONS = {"accept": "采纳", "edit": "按修改", "drop": "删去"}
CONFIDENCE = {"high": "有把握", "medium": "需核对", "low": "须仔细核对"}
HEADER_FIELDS = ("plan_id", "title", "issuer", "document_number", "region_code", "bulletin_office", "period_start",
                 "period_end", "applies_to")
HEADER_LABELS = {"plan_id": "规划编号", "title": "标题", "issuer": "发文机关", "document_number": "文号",
                 "region_code": "行政区划代码", "bulletin_office": "通报发布单位", "period": "规划期",
                 "applies_to": "适用范围", "key_targets": "重点目标"}
TARGET_FIELDS = ("indicator", "kind", "year", "value", "value_high", "unit", "baseline_year", "baseline_value",
                 "comparison", "direction", "attribute", "peer_scope", "per_year", "basis")
# The choices of a target's coded fields, in the codes plan_checks accepts, with the words a reviewer reads.
WORDS = {"level": "水平值", "share": "比重", "annual_growth": "年增长", "annual_flow": "年度量", "cumulative": "累计",
          "rank": "排名", ">=": "达到（≥）", ">": "超过（>）", "<=": "不超过（≤）", "=": "等于", "up": "越高越好",
          "down": "越低越好", "预期性": "预期性", "约束性": "约束性", "province": "全省", "prefecture": "全市",
          "each": "每年", "average": "年均", "target_year": "目标年当年", "total": "累计总量", "new": "新增量"}
CHOICES = {key: [(code, WORDS[code]) for code in codes] for key, codes in (
    ("kind", plan_checks.TARGET_KINDS), ("comparison", plan_checks.COMPARISONS), ("direction", ("up", "down")),
    ("attribute", ("预期性", "约束性")), ("peer_scope", plan_checks.PEER_SCOPES), ("per_year", plan_checks.PER_YEAR),
    ("basis", ("total", "new")))}
_NAME = re.compile(r"[^\w\u4e00-\u9fff（）()\-—.]+")
_DRAFT_ID = re.compile(r"[0-9a-f]{16}")


class NoSuchDraft(LookupError):
    """A draft id that names no review in this workspace."""


@dataclass(frozen=True)
class Added:
    problems: list[check.Located]  # what `plan check` found; nothing was added while any
    written: Path | None  # the catalogue's new plan file
    loaded: bool  # the workspace's warehouse holds it (as `ipwatch init` would)


def add_plan(path: Path, ws: config.Workspace) -> Added:
    """`ipwatch plan add` and the portal's 加入目录 alike: check, add to the checkout's catalogue, regenerate the
    validation suite, load the workspace's warehouse where there is one. Refused, changing nothing, while check
    finds a problem."""
    from ipwatch.intake import suite
    from ipwatch.warehouse import reference

    problems = check.check(path)
    if problems:
        return Added(problems, None, False)
    written = adding.add(path, config.DATA_DIR)
    suite.write()
    loaded = ws.warehouse.exists()
    if loaded:  # the next form, suite and bulletin of this workspace know the plan
        reference.initialise(ws)
    return Added([], written, loaded)


def document_name(sent: str | None) -> str:
    """The uploaded file's name as the catalogue will keep it (`seed`): its last part, letters, digits and CJK only;
    refused unless its suffix is one `plan draft` reads."""
    last = Path((sent or "").replace("\\", "/")).name
    stem, suffix = Path(last).stem, Path(last).suffix.lower()
    if suffix not in documents.SUFFIXES:
        raise documents.DocumentError(f"不支持的文件类型 {suffix or '（无扩展名）'}，"
                                      "请上传 .txt、.docx、.pdf 或 .html 文件 (unsupported file type)")
    return (_NAME.sub("_", stem).strip("._") or "plan")[:80] + suffix


def received(ws: config.Workspace, stored: Path, sent_name: str | None) -> str:
    """An uploaded document (already stored and counted) drafted into a review of its own; its id. The same
    document again opens the same review."""
    name = document_name(sent_name)
    draft_id = hashlib.sha256(stored.read_bytes()).hexdigest()[:16]
    folder = ws.plan_drafts / draft_id
    if (folder / "draft.yaml").is_file():
        stored.unlink(missing_ok=True)
        return draft_id
    folder.mkdir(parents=True, exist_ok=True)
    document = folder / name
    stored.replace(document)
    try:
        made = draft.as_dict(draft.draft(document))
    except documents.DocumentError:
        document.unlink(missing_ok=True)
        folder.rmdir()
        raise
    files.publish(folder / "draft.yaml", draft.yaml_text(made))
    save(folder, {"header": {}, "targets": [{"decision": "accept", "fields": {}} for _ in made["targets"]],
                  "problems": None, "added": None})
    return draft_id


def folder_of(ws: config.Workspace, draft_id: str) -> Path:
    """A review's folder; NoSuchDraft for an id that is not one (never a path outside plan_drafts)."""
    folder = ws.plan_drafts / draft_id
    if not _DRAFT_ID.fullmatch(draft_id) or not (folder / "draft.yaml").is_file():
        raise NoSuchDraft(draft_id)
    return folder


def load(folder: Path) -> tuple[dict, dict]:
    """The draft as made and the review's state."""
    made = yaml.safe_load((folder / "draft.yaml").read_text("utf-8"))
    return made, json.loads((folder / "review.json").read_text("utf-8"))


def save(folder: Path, state: dict) -> None:
    files.publish(folder / "review.json", json.dumps(state, ensure_ascii=False, indent=1))


def listed(ws: config.Workspace) -> list[dict]:
    """Every review in the workspace, newest first: its id, document, title, targets, and whether it was added."""
    out = []
    for folder in ws.plan_drafts.glob("*/draft.yaml") if ws.plan_drafts.is_dir() else []:
        made, state = load(folder.parent)
        out.append({"draft_id": folder.parent.name, "seed": made["seed"], "title": made.get("title"),
                    "targets": len(made["targets"]), "added": state.get("added"),
                    "kept": sum(1 for t in state["targets"] if t["decision"] != "drop"),
                    "changed": (folder.parent / "review.json").stat().st_mtime})
    return sorted(out, key=lambda d: -d["changed"])


def header_values(made: dict) -> dict:
    """The header's fields as the form shows them."""
    return {**{k: made.get(k) for k in HEADER_FIELDS if k in made}, "period_start": made["period"]["start"],
            "period_end": made["period"]["end"]}


def target_values(t: dict) -> dict:
    """A target's fields as the form shows them."""
    baseline, goal = t.get("baseline") or {}, t.get("target") or {}
    return {"indicator": t.get("indicator"), "kind": t.get("kind"), "year": goal.get("year"),
            "value": goal.get("value"), "value_high": goal.get("value_high"), "unit": t.get("unit"),
            "baseline_year": baseline.get("year"), "baseline_value": baseline.get("value"),
            "comparison": t.get("comparison"), "direction": t.get("direction"), "attribute": t.get("attribute"),
            "peer_scope": t.get("peer_scope"), "per_year": t.get("per_year"), "basis": t.get("basis")}


def typed(text: str) -> object:
    """A form field as YAML would read it: empty is null, a number a number, anything else the text (which `plan
    check` then names, with its fix)."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def edited(t: dict, fields: dict) -> dict:
    """A target with the reviewer's fields in place of the proposal's."""
    t = copy.deepcopy(t)
    v = {k: typed(str(fields.get(k, ""))) if k in ("year", "value", "value_high", "baseline_year", "baseline_value")
         else (str(fields.get(k, "")).strip() or None) for k in TARGET_FIELDS}
    t["indicator"], t["kind"], t["unit"] = v["indicator"], v["kind"], v["unit"]
    t["direction"], t["comparison"], t["attribute"] = v["direction"], v["comparison"], v["attribute"]
    t["target"] = {"year": v["year"], "value": v["value"]} | ({"value_high": v["value_high"]}
                                                              if v["value_high"] is not None else {})
    if v["baseline_year"] is None and v["baseline_value"] is None:
        t.pop("baseline", None)
    else:
        t["baseline"] = {"year": v["baseline_year"], "value": v["baseline_value"]}
    for key in ("peer_scope", "per_year", "basis"):  # only where the kind has them: `plan check` refuses them else
        t.pop(key, None)
        if v[key] is not None:
            t[key] = v[key]
    return t


def reviewed_plan(made: dict, state: dict) -> tuple[dict, list[int]]:
    """The draft with the review applied, and the draft's index of each target kept."""
    plan = copy.deepcopy(made)
    header = state["header"]
    for key in ("plan_id", "title", "issuer", "document_number", "region_code", "bulletin_office", "applies_to"):
        if key in header:
            plan[key] = header[key].strip() or None
    for key in ("start", "end"):
        if f"period_{key}" in header:
            plan["period"][key] = typed(header[f"period_{key}"])
    kept, targets = [], []
    for i, (t, decided) in enumerate(zip(made["targets"], state["targets"], strict=True)):
        if decided["decision"] == "drop":
            continue
        kept.append(i)
        targets.append(edited(t, decided["fields"]) if decided["decision"] == "edit" else t)
    plan["targets"] = targets
    ids = [t["id"] for t in targets]
    plan["key_targets"] = [k for k in plan.get("key_targets") or [] if k in ids] or ids[:3]
    used = {t["indicator"] for t in targets}
    news = [i for i in plan.pop("new_indicators", None) or [] if i["code"] in used]
    if news:
        plan["new_indicators"] = news
    return plan, kept


def apply(ws: config.Workspace, draft_id: str, form: dict) -> Path:
    """The reviewer's form kept in the review (header fields, each target's decision and fields), and `plan.yaml`
    written from it; its path."""
    folder = folder_of(ws, draft_id)
    made, state = load(folder)
    # a field the form leaves out keeps what the review holds: a form is never read as emptying what it lacks
    state["header"] |= {k: str(form[k]) for k in HEADER_FIELDS if k in form}
    for i, decided in enumerate(state["targets"]):
        decision = str(form.get(f"t{i}.decision", decided["decision"]))
        decided["decision"] = decision if decision in DECISIONS else decided["decision"]
        edits = {k: str(form[f"t{i}.{k}"]) for k in TARGET_FIELDS if f"t{i}.{k}" in form}
        if decided["decision"] != "edit":
            decided["fields"] = {}  # accepted or dropped: the proposal as drafted
        else:  # each field the form sends over what was kept, the proposal's under both
            proposed = {k: "" if v is None else str(v) for k, v in target_values(made["targets"][i]).items()}
            decided["fields"] = proposed | decided["fields"] | edits
    save(folder, state)
    plan, _ = reviewed_plan(made, state)
    return files.publish(folder / "plan.yaml", draft.yaml_text(plan))


def checked(ws: config.Workspace, draft_id: str) -> list[check.Located]:
    """`plan check` on the reviewed plan, its sources against the document; the problems kept with the review."""
    folder = folder_of(ws, draft_id)
    problems = check.check(folder / "plan.yaml")
    _, state = load(folder)
    save(folder, {**state, "problems": [asdict(p) for p in problems]})
    return problems


def added(ws: config.Workspace, draft_id: str) -> Added:
    """The reviewed plan into the catalogue (add_plan); the review remembers it."""
    folder = folder_of(ws, draft_id)
    result = add_plan(folder / "plan.yaml", ws)
    _, state = load(folder)
    state["problems"] = [asdict(p) for p in result.problems]
    if result.written:
        state["added"] = result.written.name
    save(folder, state)
    return result


def marked(blocks: list[documents.Block], sources: dict[str, list[int]]) -> list[dict]:
    """The document's blocks as pieces of text, each source found in them marked with the targets it states (a
    sentence that states two targets is marked once, with both); a target's first mark carries its anchor."""
    out, anchored = [], set()
    for block in blocks:
        spans = sorted((m.start(), m.start() + len(source), numbers) for source, numbers in sources.items()
                       for m in re.finditer(re.escape(source), block.text))
        pieces, at = [], 0
        for start, end, numbers in spans:
            if start < at:  # a source inside one already marked: its targets join that mark
                pieces[-1]["targets"] = sorted({*pieces[-1]["targets"], *numbers})
                continue
            if start > at:
                pieces.append({"text": block.text[at:start], "targets": []})
            pieces.append({"text": block.text[start:end], "targets": numbers})
            at = end
        if at < len(block.text):
            pieces.append({"text": block.text[at:], "targets": []})
        for piece in pieces:
            piece["anchors"] = [n for n in piece["targets"] if n not in anchored]
            anchored.update(piece["targets"])
        out.append({"row": block.is_row, "pieces": pieces})
    return out


def where_target(where: str) -> int | None:
    """The position among the kept targets a problem's place names (targets[3].unit: 3), else None."""
    found = re.match(r"targets\[(\d+)\]", where)
    return int(found.group(1)) if found else None


def context(ws: config.Workspace, draft_id: str) -> dict:
    """What the review page shows: the document marked, the header, each target with its proposal, decision and
    fields, the last check's problems beside the targets they name, and whether the plan was added."""
    folder = folder_of(ws, draft_id)
    made, state = load(folder)
    plan, kept = reviewed_plan(made, state)
    problems = state.get("problems")
    by_target: dict[int, list[dict]] = {}
    for p in problems or []:
        k = where_target(p["where"])
        if k is not None and k < len(kept):
            by_target.setdefault(kept[k], []).append(p)
        # where a reviewer finds it on the page: the target's card, or the header field
        on_card = k is not None and k < len(kept)
        p["place"] = f"目标 {kept[k] + 1}" if on_card else HEADER_LABELS.get(re.split(r"[.\[]", p["where"])[0], "")
        p["anchor"] = f"#t{kept[k] + 1}" if on_card else "#header"
    sources: dict[str, list[int]] = {}
    cards = []
    for i, (t, decided) in enumerate(zip(made["targets"], state["targets"], strict=True)):
        sources.setdefault(t["source"], []).append(i + 1)
        cards.append({"n": i + 1, "i": i, "proposed": t, "decision": decided["decision"],
                      "fields": target_values(t) | decided["fields"],
                      "problems": by_target.get(i, [])})
    header = header_values(made) | state["header"]
    return {"draft_id": draft_id, "seed": made["seed"], "blocks": marked(documents.read(folder / made["seed"]),
                                                                           sources),
            "header": header, "header_notes": made.get("review") or {}, "cards": cards, "problems": problems,
            "general": [p for p in problems or [] if where_target(p["where"]) is None], "added": state.get("added"),
            "kept": len(kept), "new_indicators": {i["code"]: i for i in made.get("new_indicators") or []},
            "indicators": sorted(cat.default().indicators.values(), key=lambda i: i.code), "plan_id": plan["plan_id"]}


def store_upload(ws: config.Workspace, upload: BinaryIO, sent_name: str | None) -> str:
    """An uploaded document streamed in under the portal's size limit (views.store), then drafted; its review's id."""
    document_name(sent_name)  # an unsupported type is refused before anything is kept
    return received(ws, views.store(ws, upload), sent_name)
