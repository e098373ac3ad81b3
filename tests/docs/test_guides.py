"""The guides tell the truth: the commands and options they show exist, their links lead
somewhere, and the ministry and province guides exist in Vietnamese with the same structure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.doc_commands import ROOT, problems

DOCS = ROOT / "docs"
GUIDES = sorted([*(DOCS / "guide").glob("*.md"), DOCS / "deploy.md", DOCS / "capacity.md"])
TRANSLATED = ("ministry", "province")
VIETNAMESE_LETTERS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def ids(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("guide", GUIDES, ids=ids)
def test_every_command_and_option_a_guide_shows_exists(guide: Path) -> None:
    assert not problems(guide.read_text(encoding="utf-8"))


def test_every_command_and_option_the_readme_shows_exists() -> None:
    assert not problems((ROOT / "README.md").read_text(encoding="utf-8"))


def anchors(markdown: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped (letters of any script kept), spaces
    to hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("guide", sorted((DOCS / "guide").glob("*.md")), ids=ids)
def test_every_link_of_a_guide_leads_to_a_file_and_heading_that_exist(guide: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", guide.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        file, _, anchor = target.partition("#")
        path = (guide.parent / file).resolve() if file else guide
        if not path.exists() or (anchor and path.suffix == ".md" and anchor not in anchors(path)):
            broken.append(target)
    assert not broken


@pytest.mark.parametrize("name", TRANSLATED)
def test_the_vietnamese_guide_has_the_english_ones_sections_and_examples(name: str) -> None:
    english = (DOCS / "guide" / f"{name}.md").read_text(encoding="utf-8")
    vietnamese = (DOCS / "guide" / f"{name}.vi.md").read_text(encoding="utf-8")
    assert len(re.findall(r"^## ", vietnamese, flags=re.M)) == len(re.findall(r"^## ", english, flags=re.M))
    assert re.findall(r"^```", vietnamese, flags=re.M) == re.findall(r"^```", english, flags=re.M)
    assert len(VIETNAMESE_LETTERS & set(vietnamese.lower())) >= 20, "written with its diacritics"
    assert f"({name}.vi.md)" in english and f"({name}.md)" in vietnamese
