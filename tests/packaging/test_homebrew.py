"""The Homebrew formula agrees with uv.lock: one resource per runtime package for macOS, at the
lock's version, from the lock's URL with the lock's sha256, and nothing else; it is what
packaging/homebrew/generate.py writes today; `brew test` runs `version` and `doctor --json`.

The runtime set is taken from `uv export` (uv's own reading of the lock) and uv.lock's tables,
not from the generator, so a bug in the generator's walk of the lock shows here."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tomllib
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from tests.packaging.helpers import ROOT, UV, uv

FORMULA = ROOT / "packaging" / "homebrew" / "taartenfabriek.rb"
GENERATOR = ROOT / "packaging" / "homebrew" / "generate.py"

RESOURCE = re.compile(
    r'^  resource "([^"]+)" do\n    url "([^"]+)"\n    sha256 "([0-9a-f]{64})"\n  end$',
    re.MULTILINE,
)


def formula_resources(text: str) -> dict[str, tuple[str, str]]:
    return {name: (url, sha) for name, url, sha in RESOURCE.findall(text)}


def homebrew_python(text: str) -> str:
    found = re.search(r'depends_on "python@(3\.\d+)"', text)
    assert found, "the formula names no python@3.x"
    return found.group(1)


@functools.cache
def runtime_for_macos(python: str) -> dict[str, str]:
    """uv.lock's runtime packages on a Mac with Homebrew's Python, {name: version}."""
    exported = uv(
        "export",
        "--frozen",
        "--no-dev",
        "--no-emit-project",
        "--no-hashes",
        "--no-header",
        "--no-annotate",
    )
    pins: dict[str, str] = {}
    for machine in ("arm64", "x86_64"):
        environment = {
            "sys_platform": "darwin",
            "platform_system": "Darwin",
            "os_name": "posix",
            "platform_machine": machine,
            "python_version": python,
            "python_full_version": f"{python}.0",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
        }
        for line in exported.splitlines():
            requirement, _, marker = line.partition(";")
            if "==" not in requirement:
                continue
            if marker.strip() and not Marker(marker.strip()).evaluate(environment):
                continue
            name, version = requirement.strip().split("==")
            pins[str(canonicalize_name(name))] = version
    return pins


@functools.cache
def lock() -> dict[str, Any]:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def lock_source(name: str, version: str) -> tuple[str, str]:
    """uv.lock's sdist of name==version (its universal wheel if it has none): (url, sha256)."""
    (package,) = [
        p
        for p in lock()["package"]
        if canonicalize_name(p["name"]) == name and p["version"] == version
    ]
    source = package.get("sdist") or next(
        w for w in package["wheels"] if w["url"].endswith("-none-any.whl")
    )
    return source["url"], source["hash"].removeprefix("sha256:")


def disagreements(formula: str) -> list[str]:
    resources = formula_resources(formula)
    wanted = runtime_for_macos(homebrew_python(formula))
    problems = [f"{name} is no runtime package of uv.lock" for name in resources.keys() - wanted]
    for name, version in sorted(wanted.items()):
        if name not in resources:
            problems.append(f"{name}=={version} has no resource")
        elif resources[name] != lock_source(name, version):
            problems.append(f"{name}: formula has {resources[name]}, uv.lock {version}")
    return problems


pytestmark = pytest.mark.skipif(UV is None, reason="uv is not on PATH")


def test_every_runtime_package_is_a_resource_pinned_as_in_the_lock() -> None:
    text = FORMULA.read_text()
    assert len(formula_resources(text)) == text.count('  resource "')  # all were parsed
    assert disagreements(text) == []


def test_a_formula_out_of_step_with_the_lock_is_caught() -> None:
    text = FORMULA.read_text()
    (name, (url, sha)), *_ = formula_resources(text).items()
    assert disagreements(text.replace(sha, "0" * 64)) == [
        f"{name}: formula has {(url, '0' * 64)}, uv.lock {runtime_for_macos('3.13')[name]}"
    ]
    dropped = re.sub(rf'  resource "{name}" do\n.*?  end\n\n', "", text, count=1, flags=re.S)
    assert any("has no resource" in p for p in disagreements(dropped))
    extra = text.replace(
        "  def install",
        '  resource "left-pad" do\n    url "x"\n    sha256 "'
        + "1" * 64
        + '"\n  end\n\n  def install',
    )
    assert "left-pad is no runtime package of uv.lock" in disagreements(extra)


def test_the_formula_is_what_the_generator_writes_now() -> None:
    """Someone added a dependency (uv add) without re-running the generator: this fails and
    says which command to run."""
    done = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_formula_names_the_release_and_brew_test_runs_version_and_doctor() -> None:
    text = FORMULA.read_text()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f'/taartenfabriek-{version}.tar.gz"' in text
    test_block = text.split("  test do\n", 1)[1]
    assert 'shell_output("#{bin}/taartenfabriek version")' in test_block
    assert 'shell_output("#{bin}/taartenfabriek doctor --json", nil)' in test_block
    assert "virtualenv_install_with_resources" in text


@pytest.mark.skipif(shutil.which("ruby") is None, reason="no ruby to check the syntax")
def test_the_formula_is_valid_ruby() -> None:
    done = subprocess.run(["ruby", "-c", str(FORMULA)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
