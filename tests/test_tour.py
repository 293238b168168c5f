"""The README's tour and its screenshots in docs/ (tests/tour.py, `make docs`): each shot the tour makes is in
docs/ and named by the README, small and one screen wide. Whether they are the pages the current code shows is
tests/test_demo.py's, on the demo it builds anyway."""

from __future__ import annotations

import re

from PIL import Image

from ipwatch.cli import ops

from . import tour
from .test_conventions import README

SHOTS = {f"tour-{shot.__name__.replace('_', '-')}.png" for shot in tour.SHOTS}


def test_docs_hold_exactly_the_tour_s_shots():
    assert {p.name for p in tour.DOCS.glob("*.png")} == SHOTS


def test_the_readme_s_tour_shows_every_shot_and_names_no_other():
    section = README.split("\n## Tour\n")[1].split("\n## ")[0]
    assert set(re.findall(r"\(docs/([\w-]+\.png)\)", section)) == SHOTS
    assert set(re.findall(r"docs/([\w-]+\.png)", README)) == SHOTS  # nowhere else names a screenshot


def test_each_shot_is_one_screen_at_1280_px_small_and_says_what_it_shows():
    for name in SHOTS:
        path = tour.DOCS / name
        with Image.open(path) as image:
            assert image.size == (tour.VIEWPORT["width"], tour.VIEWPORT["height"]), name
        assert path.stat().st_size < 200_000, name  # 8 shots stay under 1.6 MB in the repository
        shown = tour.read(path)
        assert shown["title"] and "<h1" not in shown["headings"], name


def test_the_tour_adds_the_users_ipwatch_demo_tells_you_to_add():
    section = README.split("\n## Tour\n")[1].split("\n## ")[0]
    added = re.findall(r"^\.venv/bin/(ipwatch users add [^\n]+)$", section, re.M)
    assert added == ops.demo_user_lines()
    assert [line.split()[3] for line in added] == [tour.CLERK, tour.REVIEWER, tour.AUDITOR]


def test_make_docs_runs_the_tour_and_the_readme_lists_it():
    makefile = (tour.DOCS.parent / "Makefile").read_text("utf-8")
    recipe = makefile.split("\ndocs:")[1].split("\n\n")[0]
    assert "-m tests.tour" in recipe and "docs" in makefile.split(".PHONY:")[1].split("\n")[0]
    assert "make docs" in README.split("\n## ")[0]  # beside make run and make test
