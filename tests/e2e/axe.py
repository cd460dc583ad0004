"""axe-core (npm's, pinned in package.json) run in a Playwright page: the page's accessibility
violations against WCAG 2.0 and 2.1, levels A and AA, and axe's best practices; a serious or
critical one fails the test."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tests.browser_fixtures import AXE_SCRIPT, skip_or_fail_without_axe

RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}

# Each node's target is a list of selectors, one per iframe or shadow root on the way to it.
RUN_AXE = """async ([tags, within]) => {
    const results = await axe.run(within ? {include: [within]} : document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return results.violations.map(violation => ({
        rule: violation.id,
        impact: violation.impact || "unknown",
        help: violation.help,
        targets: violation.nodes.map(node => [].concat(...node.target).join(" >>> ")),
    }));
}"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]

    def describe(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} -> {', '.join(self.targets)}"


def violations(page, within: str | None = None) -> list[Violation]:
    """Every violation axe finds in the page as it is now, or only in the part ``within`` (a CSS
    selector) selects: the app's own part of a page the Django admin draws (axe is added to the
    page once)."""
    skip_or_fail_without_axe()
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return [Violation(**found) for found in page.evaluate(RUN_AXE, [RULE_TAGS, within])]


def serious_violations(page, within: str | None = None) -> list[Violation]:
    return [found for found in violations(page, within) if found.impact in BLOCKING_IMPACTS]


def describe(found: list[Violation]) -> str:
    return "\n".join(f"  - {violation.describe()}" for violation in found)


def assert_none_serious(findings: Mapping[str, list[Violation]]) -> None:
    """``findings``: each page (or state) checked, and its serious or critical violations; fails
    naming each page, rule, impact and element."""
    failing = {where: found for where, found in findings.items() if found}
    assert not failing, "serious or critical accessibility violations:\n" + "\n".join(
        f"{where}:\n{describe(found)}" for where, found in failing.items()
    )
