"""`make bench`, part 6: `ipwatch plan draft` on the five seeds against their hand-made plans in data/plans/.

Recall: hand-made targets found with the right year, value and unit (and the same sentence or row cited); precision:
proposals that are hand-made targets; cited: proposals whose source is the document's own words (goals: recall
>= 95%, precision >= 90%, every proposal cited). Then how many found targets name the right indicator and kind,
with the catalogue as shipped (whose aliases hold the seeds' own wordings) and with the indicators' names alone, no
aliases and no plans: what a plan never seen before meets; last, the seeds as .docx, as .html and printed to PDF
by Chromium.
"""

from __future__ import annotations

import dataclasses
import html
import tempfile
from pathlib import Path

import yaml

from ipwatch import config
from ipwatch.domain import catalogue as cat
from ipwatch.plans import documents, draft, score

SEEDS = config.ROOT.parent / "shared" / "seeds"


def names_only(catalogue: cat.Catalogue) -> cat.Catalogue:
    """The catalogue's indicators by their Chinese names alone: no plan's wording known."""
    indicators = {code: dataclasses.replace(i, aliases=()) for code, i in catalogue.indicators.items()}
    return cat.Catalogue(indicators=indicators, plans={})


def page(seed: Path, folder: Path) -> Path:
    """The seed as a government site's page: its lines as paragraphs."""
    lines = [line.strip() for line in seed.read_text("utf-8").splitlines() if line.strip()]
    out = folder / f"{seed.stem}.html"
    out.write_text('<!doctype html><meta charset="utf-8"><style>body{font-family:"Noto Sans CJK SC"}</style>'
                   + "".join(f"<p>{html.escape(line)}</p>" for line in lines), "utf-8")
    return out


def word(seed: Path, folder: Path) -> Path:
    """The seed as a Word document: its lines as paragraphs."""
    import docx

    document = docx.Document()
    for line in seed.read_text("utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    document.save(str(folder / f"{seed.stem}.docx"))
    return folder / f"{seed.stem}.docx"


def printed(seed: Path, folder: Path) -> Path:
    """The seed as a PDF: its page printed by Chromium."""
    from ipwatch.bulletins import pdf

    return pdf.to_pdf(page(seed, folder), folder / f"{seed.stem}.pdf")


def seed_score(seed: Path, catalogue: cat.Catalogue, document: Path | None = None) -> score.Score:
    """The draft of a seed (or of `document`, the seed in another format) against the seed's hand-made plan."""
    by_seed = {plan.seed: plan.plan_id for plan in cat.default().plans.values()}
    document = document or seed
    made = draft.as_dict(draft.draft(document, catalogue))
    hand = yaml.safe_load((config.PLANS_DIR / f"{by_seed[seed.name]}.yaml").read_text("utf-8"))
    text = "\n".join(b.text for b in documents.read(document))
    return score.score(made["targets"], hand["targets"], text)


def scores(catalogue: cat.Catalogue, convert=None, folder: Path | None = None) -> dict[str, score.Score]:
    """Each seed's draft, made with `catalogue` (from the seed converted into `folder`), against its plan."""
    return {seed.name: seed_score(seed, catalogue, convert(seed, folder) if convert else None)
            for seed in sorted(SEEDS.glob("*.txt"))}


def report(title: str, by_seed: dict[str, score.Score]) -> None:
    print(f"\n{title}")
    print(f"  {'seed':<28} {'found':>7} {'recall':>7} {'precision':>9} {'cited':>7} {'indicator':>9} {'kind':>6}")
    for name, s in by_seed.items():
        print(f"  {name:<28} {s.found:>3}/{s.expected:<3} {s.recall:>7.1%} {s.precision:>9.1%} "
              f"{s.cited:>3}/{s.proposed:<3} {s.named:>4}/{s.found:<4} {s.same_kind:>3}/{s.found:<3}")
    found = sum(s.found for s in by_seed.values())
    expected, proposed = (sum(s.expected for s in by_seed.values()), sum(s.proposed for s in by_seed.values()))
    named, kinds = sum(s.named for s in by_seed.values()), sum(s.same_kind for s in by_seed.values())
    print(f"  all: recall {found}/{expected} = {found / expected:.1%}, precision {found}/{proposed} = "
          f"{found / proposed:.1%}, indicator right {named / found:.1%}, kind right {kinds / found:.1%}")
    for name, s in by_seed.items():
        for missed in s.missed:
            print(f"    {name[:3]} missed: {missed}")
        for extra in s.extra:
            print(f"    {name[:3]} extra: {extra[:80]}")


def main() -> None:
    """Print the draft's figures on the seeds, with the shipped catalogue and with names alone."""
    report("Plan drafts on the seeds, catalogue as shipped", scores(cat.default()))
    report("Plan drafts on the seeds, indicators' names alone (a plan never seen)", scores(names_only(cat.default())))
    with tempfile.TemporaryDirectory() as folder:
        for convert, what in ((word, "as .docx"), (page, "as .html"), (printed, "printed to PDF by Chromium")):
            report(f"Plan drafts on the seeds {what}", scores(cat.default(), convert, Path(folder)))


if __name__ == "__main__":
    main()
