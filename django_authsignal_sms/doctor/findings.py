"""What each check of the doctor finds: OK, WARNING or PROBLEM, and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["OK", "WARNING", "PROBLEM"]


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    summary: str
    fix: str = ""
    details: tuple[str, ...] = ()

    @property
    def is_problem(self) -> bool:
        return self.status == "PROBLEM"
