"""One version, pyproject.toml's, everywhere it is shown: the CLI, /api/health, the catalog's and
Orchard client's User-Agent (all read `taartenfabriek.__version__`)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import taartenfabriek
from tests.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def test_the_package_reports_pyprojects_version() -> None:
    assert version("taartenfabriek") == project_version()
    assert taartenfabriek.__version__ == project_version()


def test_no_module_keeps_a_version_of_its_own() -> None:
    """A second copy (`__version__ = "0.1.0"`) is how two versions drift apart."""
    copies = [
        path
        for path in (ROOT / "src").rglob("*.py")
        if re.search(r"^__version__\s*=", path.read_text(), re.MULTILINE)
    ]
    assert copies == []


def test_an_uninstalled_source_tree_says_it_is_unknown() -> None:
    """PYTHONPATH=src without an install has no metadata: a version no release can have.
    (`-S`: no site-packages, so the editable install's metadata is out of sight.)"""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'src')!r}); "
        "import taartenfabriek; print(taartenfabriek.__version__)"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == taartenfabriek.UNKNOWN_VERSION


def test_unknown_attributes_still_raise() -> None:
    with pytest.raises(AttributeError):
        _ = taartenfabriek.no_such_thing  # type: ignore[attr-defined]


@pytest.mark.integration
def test_cli_and_health_show_the_same_version(server: ServerProcess) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "taartenfabriek", "version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
    assert shown == project_version()
    with server.client() as client:
        assert client.get("/api/health").json()["version"] == project_version()
