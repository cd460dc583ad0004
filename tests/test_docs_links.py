"""The documentation's links lead somewhere: the README's are absolute (PyPI shows it out of the
repository, where relative links break) and name files that exist; the docs' relative links
name files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = "https://github.com/django-authsignal-sms/django-authsignal-sms/blob/main/"
# Images: GitHub and PyPI show raw files, not the blob pages.
RAW_FILES = "https://raw.githubusercontent.com/django-authsignal-sms/django-authsignal-sms/main/"
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOCS = sorted(ROOT.glob("docs/*.md"))


def links(path: Path) -> list[str]:
    return LINK.findall(path.read_text())


def test_the_readme_links_are_absolute():
    relative = [link for link in links(ROOT / "README.md") if not link.startswith("https://")]
    assert relative == []


def test_the_readmes_links_into_this_repository_name_files_that_exist():
    readme = links(ROOT / "README.md")
    ours = {
        link: link.removeprefix(prefix)
        for prefix in (REPOSITORY, RAW_FILES)
        for link in readme
        if link.startswith(prefix)
    }
    assert any(link.startswith(RAW_FILES) for link in ours), "the README shows the screenshots"
    missing = [link for link, path in ours.items() if not (ROOT / path).is_file()]
    assert missing == []


def test_the_readme_stays_short():
    # The install, the setup, the flow and one short section per feature (step-up, the pages,
    # the security page, the admin tools, the methods); everything else is in docs/.
    assert len((ROOT / "README.md").read_bytes()) <= 15_000


@pytest.mark.parametrize("document", DOCS, ids=lambda path: path.name)
def test_relative_links_in_the_docs_name_files_that_exist(document):
    relative = [link for link in links(document) if "://" not in link and not link.startswith("#")]
    missing = [
        link for link in relative if not (document.parent / link.split("#")[0]).resolve().exists()
    ]
    assert missing == []


def test_the_step_up_javascript_example_is_the_one_the_browser_tests_run():
    guide = (ROOT / "docs/step-up.md").read_text()
    example = re.search(r"```js\n(.*?)```", guide, re.DOTALL)
    assert example, "docs/step-up.md shows the page script"
    assert example.group(1).strip() in (ROOT / "tests/static/tests/step-up.js").read_text()
