"""docs/checks.md documents every check id, with the right set (every command or --deploy)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from django_authsignal_sms import checks

DOC = (Path(__file__).resolve().parent.parent / "docs" / "checks.md").read_text()


def ids_raised_by(functions) -> set[str]:
    return {
        found
        for function in functions
        for found in re.findall(r"authsignal_sms\.([EW]\d{3})", inspect.getsource(function))
    }


def summary_rows() -> dict[str, str]:
    return dict(re.findall(r"^\| ([EW]\d{3}) \| (always|deploy) \|", DOC, flags=re.M))


def test_the_summary_lists_every_id_in_its_set():
    rows = summary_rows()
    assert {id_ for id_, runs in rows.items() if runs == "always"} == ids_raised_by(
        checks.ALL_CHECKS
    )
    assert {id_ for id_, runs in rows.items() if runs == "deploy"} == ids_raised_by(
        checks.DEPLOY_CHECKS
    )


def test_every_id_has_its_section():
    sections = re.findall(r"^### ([EW]\d{3}):", DOC, flags=re.M)
    assert sections == sorted(summary_rows(), key=lambda id_: (id_[0], int(id_[1:])))


def test_the_ids_are_numbered_without_gaps():
    for letter in "EW":
        numbers = sorted(int(id_[1:]) for id_ in summary_rows() if id_[0] == letter)
        assert numbers == list(range(1, len(numbers) + 1)), letter
