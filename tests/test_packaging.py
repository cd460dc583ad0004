"""scripts/check-dist's verdicts on archive listings: what it must flag, and what it must pass.

scripts/test runs the script itself (it builds both archives and installs the wheel); these
tests only feed its checks made-up listings, so a check that stopped flagging cannot pass.
"""

from __future__ import annotations

import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIST_INFO = "django_authsignal_sms-0.1.0.dist-info"
ENTRY_POINTS = "[pytest11]\nauthsignal_sms = django_authsignal_sms.testing.pytest_plugin\n"


def load_check_dist():
    """The script as a module (its file name has no .py)."""
    loader = SourceFileLoader("check_dist", str(ROOT / "scripts" / "check-dist"))
    module = module_from_spec(spec_from_loader("check_dist", loader))
    sys.modules["check_dist"] = module  # its dataclass looks its module up there
    loader.exec_module(module)
    return module


check_dist = load_check_dist()
EXPECTED = check_dist.Expected(check_dist.package_files_on_disk(ROOT))


def wheel_names():
    app = [f"django_authsignal_sms/{name}" for name in EXPECTED.package_files]
    return app + [f"{DIST_INFO}/{name}" for name in ("METADATA", "RECORD", "licenses/LICENSE")]


def sdist_names():
    app = [f"django_authsignal_sms/{name}" for name in EXPECTED.package_files]
    return app + ["PKG-INFO", "pyproject.toml", "setup.cfg", "README.md", "LICENSE", "CHANGELOG.md"]


def test_the_checkout_lists_every_module_template_and_static_file():
    files = EXPECTED.package_files
    for name in ("__init__.py", "py.typed", "testing/pytest_plugin.py", "apps.py"):
        assert name in files
    assert "templates/django_authsignal_sms/challenge.html" in files
    assert "static/django_authsignal_sms/challenge.js" in files
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]


def test_complete_archives_pass():
    assert check_dist.wheel_problems(wheel_names(), ENTRY_POINTS, EXPECTED) == []
    assert check_dist.sdist_problems(sdist_names(), EXPECTED) == []


@pytest.mark.parametrize(
    "dropped",
    [
        "django_authsignal_sms/static/django_authsignal_sms/challenge.js",
        "django_authsignal_sms/templates/django_authsignal_sms/challenge.html",
        "django_authsignal_sms/py.typed",
        f"{DIST_INFO}/licenses/LICENSE",
    ],
)
def test_a_wheel_missing_a_file_is_flagged(dropped):
    names = [name for name in wheel_names() if name != dropped]
    assert check_dist.wheel_problems(names, ENTRY_POINTS, EXPECTED) == [f"wheel: missing {dropped}"]


@pytest.mark.parametrize(
    "extra",
    [
        "tests/test_callback.py",
        "example_project/manage.py",
        "django_authsignal_sms/x.cpython-311.pyc",
    ],
)
def test_a_wheel_holding_more_than_the_app_is_flagged(extra):
    problems = check_dist.wheel_problems([*wheel_names(), extra], ENTRY_POINTS, EXPECTED)
    assert problems == [f"wheel: holds {extra}"]


def test_a_wheel_without_the_pytest_plugin_entry_point_is_flagged():
    [problem] = check_dist.wheel_problems(wheel_names(), "[console_scripts]\n", EXPECTED)
    assert "entry_points.txt lacks the pytest plugin" in problem


@pytest.mark.parametrize(
    "extra",
    [
        "tests/test_callback.py",
        "bench/bench.py",
        "example_project/manage.py",
        "scripts/test",
        "node_modules/@authsignal/browser/package.json",
        "artifacts/challenge-page.png",
    ],
)
def test_an_sdist_holding_the_repository_s_own_files_is_flagged(extra):
    assert check_dist.sdist_problems([*sdist_names(), extra], EXPECTED) == [f"sdist: holds {extra}"]


@pytest.mark.parametrize("dropped", ["CHANGELOG.md", "LICENSE", "django_authsignal_sms/apps.py"])
def test_an_sdist_missing_a_file_is_flagged(dropped):
    names = [name for name in sdist_names() if name != dropped]
    assert check_dist.sdist_problems(names, EXPECTED) == [f"sdist: missing {dropped}"]
