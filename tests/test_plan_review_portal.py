"""The administrators' plan review page (#31) as they meet it: a real `ipwatch web` serving a copy of the checkout
(so that 加入目录 writes that copy's data/, as `plan add` would), driven in Debian's headless Chromium and spoken to
over HTTP. The administrator uploads 合肥's seed as a .docx made from its text, reads each target marked in its
sentence, drops one, edits one, fills what the text does not say, checks and adds; the plan is then in the
catalogue and the workspace's warehouse. Everyone else is refused. Screenshots (plans-*.png) are kept in
`<basetemp>/planreview0/`. The tests run in the file's order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest
import yaml
from playwright.sync_api import expect

from . import test_web_browser
from .conftest import PORTAL_PASSWORD, clean_env, web_process
from .test_plan_check_add import checkout_copy
from .test_plan_drafting import SEEDS
from .test_portal_server import signed_in, token, warehouse_rows
from .test_web_browser import log_in

page = test_web_browser.page  # a fresh browser context, offline, its console errors collected
pytestmark = pytest.mark.slow

HEFEI = SEEDS / "002_e1625e000627f825.txt"
ACCOUNTS = {"root": ("admin", None), "shen": ("auditor", None), "hefei": ("office", "340100")}
MAX_MB = 1  # the server's upload limit here: a 2 MB body shows the refusal without sending much


@pytest.fixture(scope="module")
def portal_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("planreview")


def cli(folder: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """An `ipwatch` command of the copied checkout, on the module's workspace."""
    env = {**clean_env(folder), "PYTHONPATH": str(folder / "checkout"), "IPWATCH_MAX_FILE_MB": str(MAX_MB)}
    return subprocess.run([sys.executable, "-m", "ipwatch.cli", "--home", str(folder / "home"), *args], env=env,
                          input=stdin, capture_output=True, text=True, timeout=600, cwd=folder)


@pytest.fixture(scope="module")
def portal_url(portal_folder) -> str:
    """`ipwatch web` of a copy of the checkout on a free port, its users made by `ipwatch users add`."""
    checkout_copy(portal_folder / "checkout")
    for name, (role, region) in ACCOUNTS.items():
        made = cli(portal_folder, "users", "add", name, "--role", role, *(["--region", region] if region else []),
                   "--password-stdin", stdin=PORTAL_PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    env = {**clean_env(portal_folder), "PYTHONPATH": str(portal_folder / "checkout"),
           "IPWATCH_MAX_FILE_MB": str(MAX_MB)}
    command = [sys.executable, "-m", "ipwatch.cli", "--home", str(portal_folder / "home")]
    with web_process(command, env, portal_folder, cwd=portal_folder) as url:
        yield url


@pytest.fixture(scope="module")
def hefei_docx(portal_folder) -> Path:
    """合肥's seed as the .docx a city would publish: each line of its text a paragraph (python-docx)."""
    document = docx.Document()
    for line in HEFEI.read_text("utf-8").splitlines():
        document.add_paragraph(line)
    path = portal_folder / "合肥市知识产权强市建设行动方案.docx"
    document.save(str(path))
    return path


def review_state(folder: Path) -> dict:
    (state,) = (folder / "home" / "plan_drafts").glob("*/review.json")
    return json.loads(state.read_text("utf-8"))


def test_an_administrator_uploads_a_plan_and_reads_each_target_in_its_sentence(page, portal_url, portal_folder,
                                                                               hefei_docx):
    log_in(page, "root")
    page.get_by_role("link", name="规划目标审核").click()
    page.locator("input[type=file]").set_input_files(hefei_docx)
    page.get_by_role("button", name="上传并拟出草稿").click()
    expect(page.get_by_role("heading", name="审核规划目标")).to_be_visible(timeout=120_000)
    # 合肥's plan states 27 targets (typed in by hand in tests/golden/seed_targets.yaml): a card each, each marked
    # in the document where its sentence or table row stands
    expect(page.locator("article.target-card")).to_have_count(27)
    marked = {int(n) for sup in page.locator("mark.src sup").all_inner_texts() for n in sup.split(",")}
    assert marked == set(range(1, 28))
    first = page.locator("#t1")
    expect(first).to_contain_text("每万人口高价值发明专利拥有量")
    expect(first.locator("blockquote")).to_have_text("每万人口高价值发明专利拥有量达到20件,知识产权质押融资总额达到150亿元。")
    # the card's mark leads to the sentence, and the sentence's mark back to the card
    page.locator("#t1 h3 a").click()
    expect(page.locator("mark.src", has_text="每万人口高价值发明专利拥有量达到20件")).to_contain_text("1,2")
    page.screenshot(path=portal_folder / "plans-review.png", full_page=True)


def test_the_administrator_drops_one_edits_one_checks_and_is_told_what_is_missing(page, portal_url, portal_folder):
    log_in(page, "root")
    page.goto("/admin/plans")
    page.locator("table.drafts a").first.click()
    third = page.locator("#t3")
    expect(third).to_contain_text("知识产权师、专利代理师、知识产权专员等各类人才数量")
    third.get_by_label("删去").check()
    # 20 件 becomes 21: typing in a field picks 按修改 (portal.js), as the reviewer meant
    page.locator("#t1").get_by_label("目标值").fill("21")
    page.locator("#t1").get_by_label("单位").click()
    expect(page.locator("#t1").get_by_label("按修改")).to_be_checked()
    page.get_by_role("button", name="检查").click()
    # the text names no issuer: plan check says so, with its fix, and nothing can be added yet
    expect(page.locator(".verdict")).to_contain_text("检查发现 1 处问题")
    expect(page.locator("ol.plan-problems")).to_contain_text("issuer")
    expect(page.locator("ol.plan-problems")).to_contain_text("修改：填写 issuer")
    page.screenshot(path=portal_folder / "plans-problems.png", full_page=True)
    decisions = [t["decision"] for t in review_state(portal_folder)["targets"]]
    assert decisions[:3] == ["edit", "accept", "drop"] and decisions.count("drop") == 1


def test_the_administrator_fills_the_issuer_checks_again_and_adds_the_plan(page, portal_url, portal_folder):
    log_in(page, "root")
    page.goto("/admin/plans")
    page.locator("table.drafts a").first.click()
    expect(page.locator("#t3").get_by_label("删去")).to_be_checked()  # the review was kept
    page.get_by_label("发文机关").fill("合肥市人民政府")
    page.get_by_role("button", name="检查").click()
    expect(page.locator(".verdict")).to_contain_text("检查未发现问题：保留 26 个目标")  # 27 less the one dropped
    page.get_by_role("button", name="加入目录").click()
    expect(page.locator(".verdict")).to_contain_text("已加入目录：data/plans/340100-2021.yaml", timeout=120_000)
    page.screenshot(path=portal_folder / "plans-added.png", full_page=True)
    plan = yaml.safe_load((portal_folder / "checkout" / "data" / "plans" / "340100-2021.yaml").read_text("utf-8"))
    assert (plan["issuer"], len(plan["targets"])) == ("合肥市人民政府", 26)
    assert plan["targets"][0]["target"] == {"year": 2025, "value": 21}
    assert "ip_talent" not in {t["indicator"] for t in plan["targets"]}
    assert "review" not in plan and all("confidence" not in t for t in plan["targets"])
    kept = portal_folder / "checkout" / "data" / "plans" / "documents" / "合肥市知识产权强市建设行动方案.docx"
    assert kept.is_file()


def test_the_added_plan_is_in_the_catalogue_and_the_workspace(portal_url, portal_folder):
    listed = cli(portal_folder, "catalogue", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [r for r in json.loads(listed.stdout) if r["plan_id"] == "340100-2021"]
    assert len(rows) == 26
    loaded = warehouse_rows(portal_folder, "select count(*), max(target_value) filter (where target_id = "
                            "'high-value-invention-patents-per-10k') from targets where plan_id = '340100-2021'")
    assert loaded == [(26, 21)]
    # the next form of 合肥 asks for what the plan measures, the suite was regenerated in the copy
    assert cli(portal_folder, "plan", "check", str(portal_folder / "checkout" / "data" / "plans" /
                                                  "340100-2021.yaml")).returncode == 0
    events = warehouse_rows(portal_folder, "select action, outcome from portal_events where user_name = 'root' "
                            "and action like 'plan_%' order by event_id")
    assert events == [("plan_upload", "ok"), ("plan_check", "problems"), ("plan_check", "ok"), ("plan_add", "added")]


def test_an_added_plan_cannot_be_added_twice(portal_url, portal_folder):
    client = signed_in(portal_url, "root")
    (draft_id,) = [p.name for p in (portal_folder / "home" / "plan_drafts").iterdir()]
    csrf = token(client, f"/admin/plans/{draft_id}")
    reply = client.post(f"/admin/plans/{draft_id}", data={"csrf": csrf, "action": "add"})
    assert reply.status_code == 400 and "目录中已有规划 340100-2021" in reply.text
    assert len(list((portal_folder / "checkout" / "data" / "plans").glob("340100-2021*.yaml"))) == 1


@pytest.mark.parametrize("name", ["shen", "hefei"])
def test_anyone_but_an_administrator_is_refused(portal_url, portal_folder, name, hefei_docx):
    client = signed_in(portal_url, name)
    (draft_id,) = [p.name for p in (portal_folder / "home" / "plan_drafts").iterdir()]
    before = review_state(portal_folder)
    csrf = token(client, "/login")  # the session's token: a refusal is for the role, not a stale form
    for reply in (client.get("/admin/plans"), client.get(f"/admin/plans/{draft_id}"),
                  client.post(f"/admin/plans/{draft_id}", data={"csrf": csrf, "action": "add", "t0.decision": "drop"}),
                  client.post("/admin/plans", data={"csrf": csrf},
                              files={"file": (hefei_docx.name, hefei_docx.read_bytes())})):
        assert reply.status_code == 403, reply.text
        assert "无权访问" in reply.text and "每万人口" not in reply.text
    assert review_state(portal_folder) == before


def test_a_form_without_its_csrf_token_is_refused(portal_url, portal_folder):
    client = signed_in(portal_url, "root")
    (draft_id,) = [p.name for p in (portal_folder / "home" / "plan_drafts").iterdir()]
    before = review_state(portal_folder)
    reply = client.post(f"/admin/plans/{draft_id}", data={"action": "check", "t0.decision": "drop"})
    assert reply.status_code == 403 and "CSRF" in reply.text
    assert review_state(portal_folder) == before


def test_a_document_over_the_upload_limit_is_refused_before_it_is_read(portal_url, portal_folder):
    client = signed_in(portal_url, "root")
    csrf = token(client, "/admin/plans")
    big = b"x" * (2 * 1048576)  # 2 MB against the 1 MB limit this server was started with
    reply = client.post("/admin/plans", data={"csrf": csrf}, files={"file": ("big.txt", big)})
    assert reply.status_code == 413
    assert len(list((portal_folder / "home" / "plan_drafts").iterdir())) == 1


@pytest.mark.parametrize(("name", "content", "says"), [
    ("方案.pdf", b"%PDF-1.4 not really", "不是可读的 PDF"),
    ("方案.rtf", b"{\\rtf1 plan}", "不支持的文件类型 .rtf"),
    ("方案.txt", b"\n \n", "没有可读的文字"),
])
def test_a_document_that_cannot_be_read_is_answered_in_one_chinese_line(portal_url, portal_folder, name, content,
                                                                        says):
    client = signed_in(portal_url, "root")
    csrf = token(client, "/admin/plans")
    reply = client.post("/admin/plans", data={"csrf": csrf}, files={"file": (name, content)})
    assert reply.status_code == 400 and says in reply.text
    assert "Traceback" not in reply.text and str(portal_folder) not in reply.text
    assert len(list((portal_folder / "home" / "plan_drafts").iterdir())) == 1  # nothing kept of it
