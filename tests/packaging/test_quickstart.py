"""README's quick start, as a new user runs it on a fresh clone: the first command installs the
app and nothing of the development toolchain; the second one is what CI runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx
import pytest

from tests.packaging.helpers import (
    ROOT,
    UV,
    copy_source,
    demo_server,
    installed,
    runtime_requirements,
    site_packages,
    uv,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(UV is None, reason="uv is not on PATH"),
]


def quick_start() -> list[str]:
    """The commands of README's Quick start section, in order."""
    section = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)]


def test_quick_start_has_the_run_and_the_test_command() -> None:
    run, test = quick_start()
    assert run == "uv run --no-dev taartenfabriek serve --demo"
    assert test == "uv run pytest"


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    runs = [line.strip() for line in ci if line.strip().startswith("uv run")]
    assert runs == [quick_start()[1]]


def test_the_run_command_installs_the_app_and_no_dev_tool(tmp_path: Path) -> None:
    """The README's command, verbatim, in a copy of the tree without .venv: it serves the demo,
    and its .venv then holds exactly uv.lock's runtime packages and the project."""
    checkout = copy_source(tmp_path / "checkout")
    argv = shlex.split(quick_start()[0])
    with demo_server(argv, tmp_path / "home", cwd=checkout) as server:
        page = httpx.get(server.base_url + "/", timeout=10)
        assert page.status_code == 200 and "de taartenfabriek" in page.text
    packages = installed(site_packages(checkout / ".venv"))
    expected = {**runtime_requirements(), "taartenfabriek": packages.get("taartenfabriek", "?")}
    assert packages == expected
    assert not {"pytest", "mypy", "ruff", "playwright", "schemathesis"} & packages.keys()
    # the tests' command, after it, finds its tools in the same environment
    uv("run", "pytest", "--version", cwd=checkout)
    assert {"pytest", "mypy", "playwright"} <= installed(site_packages(checkout / ".venv")).keys()
