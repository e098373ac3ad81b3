"""The guides tell the truth: the commands and options they show exist, their links lead
somewhere, and the ministry and province guides exist in Vietnamese with the same structure."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import connectors.kinds  # noqa: F401  # registers the built-in connector kinds
from connectors import registry
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import generate_secret
from tests.docs.doc_commands import ROOT, problems

DOCS = ROOT / "docs"
GUIDES = sorted([*(DOCS / "guide").glob("*.md"), DOCS / "deploy.md", DOCS / "capacity.md"])
TRANSLATED = ("ministry", "province")
SECRET = generate_secret()  # stands for every ${VAR}: a valid signing secret and password
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


def yaml_blocks(path: Path) -> list[dict[str, Any]]:
    """The guide's complete YAML examples (a document with a kind or an endpoint), ``${VAR}``
    filled in as ``hub ... apply`` would from the environment."""
    text = path.read_text(encoding="utf-8")
    documents = [
        yaml.safe_load(block) for block in re.findall(r"^```yaml\n(.*?)^```", text, flags=re.M | re.S)
    ]
    wanted = [d for d in documents if isinstance(d, dict) and ("kind" in d or "endpoint_url" in d)]
    return [yaml.safe_load(re.sub(r"\$\{[A-Z_]+\}", SECRET, yaml.safe_dump(d))) for d in wanted]


@pytest.mark.parametrize("name", [f"{name}{lang}" for name in TRANSLATED for lang in ("", ".vi")])
def test_the_connector_and_subscription_files_a_guide_shows_are_valid(name: str) -> None:
    documents = yaml_blocks(DOCS / "guide" / f"{name}.md")
    assert documents
    for document in documents:
        if "endpoint_url" in document:
            SubscriptionSpec.model_validate(document)
        else:
            registry.parse_config(document)
