"""The wheel stands alone: built by `uv build` (sdist, then the wheel from the sdist), installed
into a fresh virtualenv with uv.lock's runtime packages only, it serves `--demo` with every UI
asset and the vendored licences inside. The sdist holds everything the wheel is made of: a
wheel built straight from the tree is the same, file for file."""

from __future__ import annotations

import email.parser
import fnmatch
import hashlib
import json
import plistlib
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement

from tests.packaging.helpers import (
    ROOT,
    UV,
    demo_server,
    installed,
    runtime_requirements,
    site_packages,
    uv,
    uv_env,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(UV is None, reason="uv is not on PATH"),
]

PACKAGE = ROOT / "src" / "taartenfabriek"
STATIC = PACKAGE / "web" / "static"
VENDOR = STATIC / "vendor"


@dataclass
class Built:
    sdist: Path
    wheel: Path
    direct_wheel: Path
    venv: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("build")
    uv("build", "--out-dir", str(root / "dist"), str(ROOT), cached=True)
    uv("build", "--wheel", "--out-dir", str(root / "direct"), str(ROOT), cached=True)
    (sdist,) = (root / "dist").glob("*.tar.gz")
    (wheel,) = (root / "dist").glob("*.whl")
    (direct,) = (root / "direct").glob("*.whl")
    venv = root / "venv"
    # uv.lock's runtime packages (no dev group, no editable project), then the wheel alone
    uv(
        "sync",
        "--frozen",
        "--no-dev",
        "--no-install-project",
        "--python",
        sys.executable,
        cached=True,
        UV_PROJECT_ENVIRONMENT=str(venv),
    )
    uv(
        "pip",
        "install",
        "--no-deps",
        "--python",
        str(venv / "bin" / "python"),
        str(wheel),
        cached=True,
    )
    yield Built(sdist, wheel, direct, venv)


def members(wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            info.filename: hashlib.sha256(archive.read(info)).hexdigest()
            for info in archive.infolist()
            if not info.is_dir()
        }


def source_files(folder: Path) -> list[str]:
    """Files of the package under `folder` as wheel paths (no caches, no dotfiles)."""
    return sorted(
        "taartenfabriek/" + path.relative_to(PACKAGE).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not path.name.startswith(".")
        and path.suffix != ".pyc"
    )


def test_the_wheel_holds_every_ui_asset_and_module(built: Built) -> None:
    inside = members(built.wheel)
    missing = [name for name in source_files(PACKAGE) if name not in inside]
    assert missing == []
    assert "taartenfabriek/py.typed" in inside


def test_the_wheel_holds_the_vendored_licences(built: Built) -> None:
    """Every licence, notice and authors file VERSIONS.md names, next to the code it covers."""
    table = (VENDOR / "VERSIONS.md").read_text().split("## Updating")[0]
    named = [
        name
        for name in re.findall(r"`([^`\s]+)`", table)
        if re.search(r"LICEN[CS]E|NOTICE|AUTHORS", name) and not name.startswith("package/")
    ]
    inside = members(built.wheel)
    prefix = "taartenfabriek/web/static/vendor/"
    assert len(named) >= 8
    for name in named:
        assert fnmatch.filter(inside, prefix + name), f"{name} is not in the wheel"
    licences = [p for p in VENDOR.rglob("*") if re.search(r"LICEN[CS]E|NOTICE|AUTHORS", p.name)]
    for path in licences:
        assert (
            inside.get(prefix + path.relative_to(VENDOR).as_posix())
            == hashlib.sha256(path.read_bytes()).hexdigest()
        )


def test_the_sdist_builds_the_same_wheel(built: Built) -> None:
    from_sdist, from_tree = members(built.wheel), members(built.direct_wheel)
    assert from_sdist.keys() == from_tree.keys()
    assert [name for name in from_sdist if from_sdist[name] != from_tree[name]] == []
    assert built.wheel.name == built.direct_wheel.name


def test_the_wheel_alone_serves_the_demo(built: Built, tmp_path: Path) -> None:
    packages = installed(site_packages(built.venv))
    assert packages.pop("taartenfabriek") == built.wheel.name.split("-")[1]
    assert packages == runtime_requirements()  # nothing of the dev group
    command = built.venv / "bin" / "taartenfabriek"
    with demo_server([str(command), "serve", "--demo"], tmp_path / "home", cwd=tmp_path) as srv:
        headers = {"X-Local-Token": srv.token}
        with httpx.Client(base_url=srv.base_url, timeout=10) as client:
            health = client.get("/api/health", headers=headers).json()
            assert health["status"] == "ok" and health["demo"] is True
            assert health["version"] == built.wheel.name.split("-")[1]
            page = client.get("/")
            assert page.status_code == 200 and "<title>de taartenfabriek</title>" in page.text
            script = re.search(r'src="(/static/app/main\.js\?v=[0-9a-f]+)"', page.text)
            assert script is not None
            asset = client.get(script.group(1))
            assert asset.status_code == 200
            assert asset.content == (STATIC / "app" / "main.js").read_bytes()
            assert client.get("/api/vms", headers=headers).json()  # the demo's VMs


def test_the_installed_command_is_what_the_login_item_runs(built: Built, tmp_path: Path) -> None:
    """`service install` from a wheel install: the agent runs that install's command."""
    command = built.venv / "bin" / "taartenfabriek"
    done = subprocess.run(
        [str(command), "service", "install", "--dry-run", "--home", str(tmp_path / "s")],
        capture_output=True,
        timeout=60,
        check=True,
        env={**uv_env(), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    plist = plistlib.loads(done.stdout.split(b"\n", 1)[1].split(b"\n$ ", 1)[0])
    assert plist["ProgramArguments"][:2] == [str(command), "serve"]
    assert b"checkout" not in done.stderr  # a wheel install is not an editable checkout


def test_uv_tool_install_of_the_wheel_gives_the_login_item_its_link(
    built: Built, tmp_path: Path
) -> None:
    """README's `uv tool install dist/*.whl` (uv.lock's versions as constraints): the command
    works, and the LaunchAgent runs the link uv put in its bin folder, which survives
    `uv tool upgrade`, rather than the tool's own virtualenv."""
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(
        "\n".join(f"{name}=={version}" for name, version in runtime_requirements().items())
    )
    tools, bin_dir = tmp_path / "tools", tmp_path / "bin"
    folders = {"UV_TOOL_DIR": str(tools), "UV_TOOL_BIN_DIR": str(bin_dir)}
    uv(
        "tool",
        "install",
        "--python",
        sys.executable,
        "--constraints",
        str(constraints),
        str(built.wheel),
        cached=True,
        **folders,
    )
    command = bin_dir / "taartenfabriek"
    assert command.is_symlink() and command.resolve().is_relative_to(tools)
    env = {**uv_env(), "HOME": str(tmp_path), "PATH": f"{bin_dir}:/usr/bin:/bin"}
    shown = subprocess.run(
        ["taartenfabriek", "version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert shown.stdout.strip() == built.wheel.name.split("-")[1]
    done = subprocess.run(
        ["taartenfabriek", "service", "install", "--dry-run", "--home", str(tmp_path / "s")],
        capture_output=True,
        env=env,
        timeout=60,
        check=True,
    )
    plist = plistlib.loads(done.stdout.split(b"\n", 1)[1].split(b"\n$ ", 1)[0])
    assert plist["ProgramArguments"][:2] == [str(command), "serve"]


def test_the_wheels_metadata_is_pyprojects(built: Built) -> None:
    """What PyPI and installers read: the version, Python, the runtime dependencies (and
    nothing of the dev group), the two commands."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    with zipfile.ZipFile(built.wheel) as archive:
        info = f"taartenfabriek-{project['version']}.dist-info"
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert metadata["Name"] == "taartenfabriek" and metadata["Version"] == project["version"]
    assert metadata["Requires-Python"] == project["requires-python"]

    def normal(requirements: list[str]) -> list[str]:  # `>=17,<18` is `<18,>=17`
        return sorted(str(Requirement(r)) for r in requirements)

    assert normal(metadata.get_all("Requires-Dist")) == normal(project["dependencies"])
    assert "taartenfabriek = taartenfabriek.cli:main" in entry_points
    assert "tart-sim = taartenfabriek.sim.__main__:main" in entry_points


def test_what_brew_test_runs_works_from_the_wheel(built: Built, tmp_path: Path) -> None:
    """The formula's test block, on the wheel's install: `version`, then `doctor --json`
    (which exits 1 here, no tart on the PATH: its JSON is what counts)."""
    command = str(built.venv / "bin" / "taartenfabriek")
    env = {
        **uv_env(),
        "HOME": str(tmp_path),
        "TARTVM_HOME": str(tmp_path / "state"),
        "PATH": "/usr/bin:/bin",
    }
    shown = subprocess.run(
        [command, "version"], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    assert shown.stdout.strip() == built.wheel.name.split("-")[1]
    doctor = subprocess.run(
        [command, "doctor", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert doctor.returncode in (0, 1), doctor.stderr
    checks = json.loads(doctor.stdout)["checks"]
    assert "tart" in [check["name"] for check in checks]
