"""`ipwatch plan draft|check|add|score`: a new plan's catalogue entry drafted from its document, checked, added."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_draft(args: argparse.Namespace) -> int:
    """Draft a plan's catalogue entry (YAML) from its document: .txt, .docx, .pdf or .html."""
    from ipwatch.plans import draft

    source = Path(args.file)
    made = draft.draft(source)
    out = Path(args.out) if args.out else source.with_suffix(".yaml")
    out.write_text(draft.dumped(made), "utf-8")
    unsure = sum(1 for p in made.proposals if p.reasons)
    print(f"{out}: {len(made.proposals)} 个目标，其中 {unsure} 个需要核对 "
          f"({len(made.proposals)} targets, {unsure} to review); 然后运行 ipwatch plan check {out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """List every problem of a plan file or draft, with its line and a fix; exit 2 when there is any."""
    from ipwatch.plans import check

    path = Path(args.file)
    problems = check.check(path, Path(args.document) if args.document else None)
    print(check.report(problems, path.name))
    return 2 if problems else 0


def cmd_add(args: argparse.Namespace) -> int:
    """Add a checked plan to the catalogue (data/plans/), its new indicators to data/indicators.yaml."""
    from ipwatch import config
    from ipwatch.intake import suite
    from ipwatch.plans import check
    from ipwatch.portal import plan_review

    path = Path(args.file)
    added = plan_review.add_plan(path, config.workspace(args.home))  # the portal's 加入目录 too: one code path
    if added.problems:
        print(check.report(added.problems, path.name), file=sys.stderr)
        return 2
    where = ("工作区已载入 (loaded into the workspace)" if added.loaded
             else "运行 ipwatch init 载入工作区 (run ipwatch init)")
    print(f"已加入目录 (added): {added.written}；验证规则已更新 (suite regenerated: {suite.SUITE_FILE.name})；{where}")
    print("请提交 data/ 与 expectations/ 的改动 (commit the changes to data/ and expectations/)")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """Measure a draft of a document against its hand-made plan: recall and precision of the targets."""
    import yaml

    from ipwatch.plans import documents, draft, score

    document = Path(args.document)
    made = draft.as_dict(draft.draft(document))
    hand = yaml.safe_load(Path(args.plan).read_text("utf-8"))
    text = "\n".join(b.text for b in documents.read(document))
    s = score.score(made["targets"], hand["targets"], text)
    print(f"recall {s.found}/{s.expected} = {s.recall:.1%}  precision {s.found}/{s.proposed} = {s.precision:.1%}  "
          f"cited {s.cited}/{s.proposed}")
    for missed in s.missed:
        print(f"  未找到 (missed): {missed}")
    for extra in s.extra:
        print(f"  多出 (extra): {extra}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """plan draft, plan check, plan add, plan score."""
    plan = sub.add_parser("plan", help="draft, check and add a plan's catalogue entry from its document")
    commands = plan.add_subparsers(dest="plan_command", required=True)
    p = commands.add_parser("draft", help=cmd_draft.__doc__)
    p.add_argument("file", help="the plan's document: .txt, .docx, .pdf or .html")
    p.add_argument("--out", help="where to write the draft (default: beside the document, .yaml)")
    p.set_defaults(run=cmd_draft)
    p = commands.add_parser("check", help=cmd_check.__doc__)
    p.add_argument("file", help="the plan's YAML (a draft or a hand-made plan)")
    p.add_argument("--document", help="the plan's document, to check every source is its words "
                                      "(default: the `seed` file beside the YAML, when there)")
    p.set_defaults(run=cmd_check)
    p = commands.add_parser("add", help=cmd_add.__doc__)
    p.add_argument("file", help="the reviewed plan's YAML")
    p.set_defaults(run=cmd_add)
    p = commands.add_parser("score", help=cmd_score.__doc__)
    p.add_argument("document", help="the plan's document")
    p.add_argument("plan", help="the plan's YAML written by hand")
    p.set_defaults(run=cmd_score)
