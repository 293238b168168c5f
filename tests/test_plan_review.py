"""The plan review page's parts without a server (ipwatch/portal/plan_review.py): every target of every seed marked in
its document, the reviewer's form applied (accept, edit, drop; a form that leaves fields out empties nothing), the
uploaded name made safe, and add refused while check finds a problem. The page itself: test_plan_review_portal.py."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from ipwatch import config
from ipwatch.plans import documents
from ipwatch.portal import plan_review

from .test_plan_drafting import SEEDS


@pytest.fixture
def ws(tmp_path) -> config.Workspace:
    return config.Workspace(tmp_path / "home")


def drafted(ws: config.Workspace, seed: Path, tmp_path: Path) -> str:
    """A seed as an administrator's upload: copied to the uploads folder, then received."""
    stored = tmp_path / "upload.bin"
    stored.write_bytes(seed.read_bytes())
    return plan_review.received(ws, stored, seed.name)


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_every_target_of_a_seed_is_marked_once_in_its_document(seed, ws, tmp_path):
    page = plan_review.context(ws, drafted(ws, SEEDS / seed, tmp_path))
    numbers = [c["n"] for c in page["cards"]]
    marked = [n for b in page["blocks"] for piece in b["pieces"] for n in piece["targets"]]
    anchors = [n for b in page["blocks"] for piece in b["pieces"] for n in piece["anchors"]]
    assert set(marked) == set(numbers) and sorted(anchors) == numbers  # each found, each anchored once
    text = "".join(piece["text"] for b in page["blocks"] for piece in b["pieces"])
    assert text == "".join(b.text for b in documents.read(SEEDS / seed))  # marking loses and adds nothing


def test_a_sentence_of_two_targets_is_one_mark_and_a_source_inside_another_joins_it():
    blocks = [documents.Block("甲乙丙。丁戊。")]
    (block,) = plan_review.marked(blocks, {"甲乙丙。": [1, 2], "乙丙": [3], "丁戊。": [4]})
    assert [(p["text"], p["targets"], p["anchors"]) for p in block["pieces"]] == [
        ("甲乙丙。", [1, 2, 3], [1, 2, 3]), ("丁戊。", [4], [4])]


def form_of(page: dict, **changes: str) -> dict:
    """The review page's form as a browser sends it, untouched but for `changes`."""
    form = {k: "" if v is None else str(v) for k, v in page["header"].items()}
    for c in page["cards"]:
        form[f"t{c['i']}.decision"] = c["decision"]
        form |= {f"t{c['i']}.{k}": "" if v is None else str(v) for k, v in c["fields"].items()}
    return form | changes


def plan_written(ws: config.Workspace, draft_id: str) -> dict:
    return yaml.safe_load((ws.plan_drafts / draft_id / "plan.yaml").read_text("utf-8"))


def test_accept_edit_and_drop_make_the_plan_the_reviewer_meant(ws, tmp_path):
    draft_id = drafted(ws, SEEDS / "002_e1625e000627f825.txt", tmp_path)
    page = plan_review.context(ws, draft_id)
    made = yaml.safe_load((ws.plan_drafts / draft_id / "draft.yaml").read_text("utf-8"))
    form = form_of(page, **{"t0.decision": "edit", "t0.value": "21", "t0.baseline_value": "", "t0.baseline_year": "",
                            "t1.value": "999", "t2.decision": "drop", "issuer": "合肥市人民政府"})
    plan_review.apply(ws, draft_id, form)
    plan = plan_written(ws, draft_id)
    assert plan["issuer"] == "合肥市人民政府"
    assert len(plan["targets"]) == len(made["targets"]) - 1
    first, second = plan["targets"][:2]
    assert first["target"] == {"year": 2025, "value": 21} and "baseline" not in first  # edited, baseline emptied
    assert second == made["targets"][1]  # accepted: its fields (999 typed) are not read
    assert made["targets"][2]["id"] not in {t["id"] for t in plan["targets"]}
    assert set(plan["key_targets"]) <= {t["id"] for t in plan["targets"]}


def test_a_form_that_leaves_fields_out_empties_nothing(ws, tmp_path):
    # the class: any part of the form missing (a button posted alone, a field a browser did not send)
    draft_id = drafted(ws, SEEDS / "002_e1625e000627f825.txt", tmp_path)
    full = form_of(plan_review.context(ws, draft_id), **{"t0.decision": "edit", "t0.value": "21", "issuer": "合肥"})
    plan_review.apply(ws, draft_id, full)
    whole = plan_written(ws, draft_id)
    rng = random.Random(31)
    for _ in range(20):
        part = {k: v for k, v in full.items() if rng.random() < 0.5}
        plan_review.apply(ws, draft_id, part)
        assert plan_written(ws, draft_id) == whole


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("1.5", 1.5), (" 20 ", 20), ("", None), ("二十", "二十")])
def test_a_field_is_read_as_yaml_would_read_it(text, value):
    assert plan_review.typed(text) == value


@pytest.mark.parametrize(("sent", "kept"), [
    ("../../etc/汕尾市实施方案.docx", "汕尾市实施方案.docx"), ("C:\\docs\\plan 2026;rm.PDF", "plan_2026_rm.pdf"),
    ("；；.docx", "plan.docx"),
])
def test_an_uploaded_name_is_kept_without_its_folders_or_odd_characters(sent, kept):
    assert plan_review.document_name(sent) == kept


def test_an_unreadable_type_is_refused_by_name(tmp_path):
    with pytest.raises(documents.DocumentError, match="不支持的文件类型 .rtf"):
        plan_review.document_name("方案.rtf")


def test_a_draft_id_names_only_a_review_folder(ws):
    for wrong in ("../../etc", "0123456789abcdef", "x"):
        with pytest.raises(plan_review.NoSuchDraft):
            plan_review.folder_of(ws, wrong)


def test_add_is_refused_while_check_finds_a_problem_and_changes_nothing(ws, tmp_path):
    draft_id = drafted(ws, SEEDS / "002_e1625e000627f825.txt", tmp_path)
    plan_review.apply(ws, draft_id, {})  # the draft as made: its issuer is not in the text
    before = sorted((config.DATA_DIR / "plans").iterdir())
    added = plan_review.add_plan(ws.plan_drafts / draft_id / "plan.yaml", ws)
    assert added.written is None and [p.where for p in added.problems] == ["issuer"]
    assert sorted((config.DATA_DIR / "plans").iterdir()) == before


def test_the_same_document_again_opens_the_same_review(ws, tmp_path):
    first = drafted(ws, SEEDS / "003_7d8fdffe6b69df8d.txt", tmp_path)
    assert drafted(ws, SEEDS / "003_7d8fdffe6b69df8d.txt", tmp_path) == first
    assert len(list(ws.plan_drafts.iterdir())) == 1
