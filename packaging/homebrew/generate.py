"""Write packaging/homebrew/taartenfabriek.rb, the tap's formula, from pyproject.toml and uv.lock.

Every runtime dependency becomes a `resource` pinned to the version, URL and sha256 that uv.lock
holds (its sdist; its universal wheel when the lock has no sdist), so Homebrew installs exactly
what the tests ran against. Re-run after any change to the runtime dependencies:

    uv run python packaging/homebrew/generate.py            # rewrite the formula
    uv run python packaging/homebrew/generate.py --check    # exit 1 if it is out of date
    uv run python packaging/homebrew/generate.py --sdist dist/taartenfabriek-X.tar.gz

The formula's own `url` is the release's sdist on PyPI. Its sha256 comes from `--sdist` (the
release workflow passes the file it publishes); without it, the committed formula's hash is
kept while the version is unchanged, else a fresh `uv build --sdist` is hashed.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
FORMULA = Path(__file__).resolve().parent / "taartenfabriek.rb"
PYTHON = "3.13"
"""Homebrew's Python the virtualenv is made with (formula `python@3.13`)."""
MACHINES = ("arm64", "x86_64")
BUILD_DEPENDS = {
    "pydantic-core": 'depends_on "rust" => :build',
}
"""Resources whose sdist needs a build tool Homebrew must provide (pydantic-core: maturin)."""
LIBRARY_DEPENDS = {"pyyaml": 'depends_on "libyaml"'}

Package = dict[str, Any]
"""One `[[package]]` table of uv.lock."""


@dataclass(frozen=True)
class Resource:
    name: str
    version: str
    url: str
    sha256: str


def macos_environment(machine: str) -> dict[str, str]:
    """PEP 508 marker values of Homebrew's Python on a Mac."""
    return {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "os_name": "posix",
        "platform_machine": machine,
        "python_version": PYTHON,
        "python_full_version": f"{PYTHON}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "implementation_version": f"{PYTHON}.0",
        "extra": "",
    }


def applies(marker: str | None, environment: dict[str, str]) -> bool:
    return marker is None or Marker(marker).evaluate(environment)


def runtime_packages(lock: dict[str, Any], project: str, machine: str) -> list[Package]:
    """The lock's packages the project needs at run time on a Mac: its `dependencies` (not the
    dev group), followed through each package's dependencies and the extras asked for."""
    environment = macos_environment(machine)
    packages: dict[str, list[Package]] = {}
    for package in lock["package"]:
        packages.setdefault(canonicalize_name(package["name"]), []).append(package)

    def find(dependency: Package) -> Package:
        candidates = packages[canonicalize_name(dependency["name"])]
        if "version" in dependency:
            candidates = [c for c in candidates if c["version"] == dependency["version"]]
        if len(candidates) > 1:  # a fork of the resolution: keep the one for this environment
            candidates = [
                c
                for c in candidates
                if any(applies(m, environment) for m in c.get("resolution-markers", [None]))
            ]
        (found,) = candidates
        return found

    (root,) = packages[canonicalize_name(project)]
    seen: dict[tuple[str, str], Package] = {}
    queue: list[Package] = list(root.get("dependencies", []))
    while queue:
        dependency = queue.pop()
        if not applies(dependency.get("marker"), environment):
            continue
        package = find(dependency)
        key = (canonicalize_name(package["name"]), package["version"])
        extras = dependency.get("extra", [])
        if key not in seen:
            seen[key] = package
            queue += package.get("dependencies", [])
        for extra in extras:
            optional = package.get("optional-dependencies", {}).get(extra, [])
            queue += optional
    return sorted(seen.values(), key=lambda p: canonicalize_name(p["name"]))


def resource(package: Package) -> Resource:
    """The lock's sdist, else its one universal wheel (a package that publishes no sdist)."""
    source = package.get("sdist")
    if source is None:
        universal = [w for w in package.get("wheels", []) if w["url"].endswith("-none-any.whl")]
        if len(universal) != 1:
            raise SystemExit(f"{package['name']} has neither an sdist nor one universal wheel")
        source = universal[0]
    algorithm, _, digest = source["hash"].partition(":")
    if algorithm != "sha256":
        raise SystemExit(
            f"{package['name']}: uv.lock has a {algorithm} hash, Homebrew wants sha256"
        )
    return Resource(canonicalize_name(package["name"]), package["version"], source["url"], digest)


def resources(lock: dict[str, Any], project: str) -> list[Resource]:
    found = {m: [resource(p) for p in runtime_packages(lock, project, m)] for m in MACHINES}
    if found["arm64"] != found["x86_64"]:
        raise SystemExit("Apple silicon and Intel need different packages: split the formula")
    return found["arm64"]


def ruby_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("#{", "\\#{") + '"'


def sdist_url(name: str, version: str) -> str:
    return (
        f"https://files.pythonhosted.org/packages/source/{name[0]}/{name}/{name}-{version}.tar.gz"
    )


def render(project: dict[str, Any], deps: list[Resource], sha256: str) -> str:
    name, version = project["name"], project["version"]
    description = project["description"].rstrip(".")
    if description.lower().startswith(("a ", "an ")):  # brew audit: no article first
        description = description.split(" ", 1)[1]
    description = description[0].upper() + description[1:]
    if len(description) >= 80:  # brew audit's limit: keep the first clause
        description = description.split(", ")[0]
    licence = project.get("license", {})
    licence = licence.get("text", "") if isinstance(licence, dict) else str(licence)
    names = {d.name for d in deps}
    # brew style's order: build tools, then what it runs with, then the platform
    depends = [
        *sorted(v for k, v in BUILD_DEPENDS.items() if k in names),
        *sorted(
            [
                *(v for k, v in LIBRARY_DEPENDS.items() if k in names),
                f'depends_on "python@{PYTHON}"',
            ]
        ),
        "depends_on :macos",
    ]
    lines = [
        "# Generated from pyproject.toml and uv.lock by packaging/homebrew/generate.py: "
        "do not edit.",
        f"class {name.capitalize()} < Formula",
        "  include Language::Python::Virtualenv",
        "",
        f"  desc {ruby_string(description)}",
        f'  homepage "https://pypi.org/project/{name}/"',
        f"  url {ruby_string(sdist_url(name, version))}",
        f'  sha256 "{sha256}"',
        f"  license {ruby_string(licence)}",
        "",
        *(f"  {line}" for line in depends),
        "",
    ]
    for dep in deps:
        lines += [
            f'  resource "{dep.name}" do',
            f"    url {ruby_string(dep.url)}",
            f'    sha256 "{dep.sha256}"',
            "  end",
            "",
        ]
    lines += [
        "  def install",
        "    virtualenv_install_with_resources",
        "  end",
        "",
        "  def caveats",
        "    <<~EOS",
        "      de taartenfabriek drives Tart: brew install cirruslabs/cli/tart",
        "      (or try it without: taartenfabriek serve --demo).",
        "      Start it at login with: taartenfabriek service install",
        "    EOS",
        "  end",
        "",
        "  test do",
        f'    assert_equal version.to_s, shell_output("#{{bin}}/{name} version").strip',
        '    ENV["TARTVM_HOME"] = (testpath/"state").to_s',
        "    # doctor exits 1 when a check fails (no tart in brew's test): its JSON is the test",
        f'    report = JSON.parse(shell_output("#{{bin}}/{name} doctor --json", nil))',
        '    assert_kind_of Array, report["checks"]',
        '    assert_includes report["checks"].map { |check| check["name"] }, "tart"',
        "  end",
        "end",
        "",
    ]
    return "\n".join(lines)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def built_sdist_sha256() -> str:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            ["uv", "build", "--sdist", "--out-dir", out, str(ROOT)],
            check=True,
            capture_output=True,
        )
        (sdist,) = Path(out).glob("*.tar.gz")
        return sha256_of(sdist)


def committed_sha256(url: str) -> str | None:
    """The formula's current sha256, if it is for the same sdist URL."""
    if not FORMULA.exists():
        return None
    text = FORMULA.read_text()
    found = re.search(r'^  url "([^"]+)"\n  sha256 "([0-9a-f]{64})"', text, re.MULTILINE)
    return found.group(2) if found and found.group(1) == url else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the formula is stale")
    parser.add_argument("--sdist", type=Path, help="the release's sdist, to hash")
    parser.add_argument("--output", type=Path, default=FORMULA)
    args = parser.parse_args(argv)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    deps = resources(lock, project["name"])
    url = sdist_url(project["name"], project["version"])
    if args.sdist is not None:
        sha256 = sha256_of(args.sdist)
    else:
        sha256 = committed_sha256(url) or ("0" * 64 if args.check else built_sdist_sha256())
    text = render(project, deps, sha256)
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}: {len(deps)} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
