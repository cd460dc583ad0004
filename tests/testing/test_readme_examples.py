"""The "Testing your own site" examples (docs/testing.md) are the example project's tests, which
CI runs (`manage.py test demo`, `pytest example_project`): the two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "yourapp/tests.py": ROOT / "example_project/demo/tests.py",
    "tests/test_login.py": ROOT / "example_project/tests/test_login_with_pytest.py",
}


def readme_examples():
    guide = (ROOT / "docs/testing.md").read_text()
    section = guide.split("\n## Tests that sign in through the code step\n", 1)[1].split(
        "\n## ", 1
    )[0]
    return re.findall(r"```python\n# (\S+)[^\n]*\n(.*?)```", section, re.DOTALL)


def test_the_readme_examples_are_the_example_projects_tests():
    examples = readme_examples()
    assert [name for name, _ in examples] == list(EXAMPLES)
    for name, code in examples:
        assert code.strip() in EXAMPLES[name].read_text(), name
