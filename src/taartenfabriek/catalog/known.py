"""The maintained list of Cirrus Labs' Tart images, and the words we show for them.

Without a GitHub token nothing can list the `cirruslabs` packages (ghcr.io has no anonymous
catalogue endpoint), so the anonymous catalog asks the registry for the tags of these
repositories only. The list also supplies descriptions (the GitHub Packages API has none for
containers) and the display order: newest macOS release first, then Linux.

Update it when Cirrus Labs publish a new macOS release (see docs/catalog.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..core.images import LINUX, ORG

__all__ = ["LINUX", "ORG"]

OsFamily = Literal["macos", "linux"]

RELEASES: dict[str, int] = {
    "tahoe": 26,
    "sequoia": 15,
    "sonoma": 14,
    "ventura": 13,
    "monterey": 12,
}
"""macOS codenames and their major version; newest first (the order we show them in)."""

CURRENT_RELEASES = ("tahoe", "sequoia", "sonoma", "ventura")
"""The releases whose images the anonymous catalog looks for."""

KINDS: dict[str, str] = {
    "vanilla": "clean install, nothing added (user admin, password admin)",
    "base": "with Homebrew and common developer tools",
    "xcode": "with Xcode (tags are Xcode versions)",
}
"""Image flavours Cirrus Labs build for each release, in the order we show them."""


RUNNER = "macos-runner"
RUNNER_DESCRIPTION = "macOS runner image with Xcode and CI tools (tags are macOS releases)"
RUNNER_TAGS = ("tahoe", "sequoia", "sonoma")

_MACOS_NAME = re.compile(r"^macos-(?P<release>[a-z]+)-(?P<kind>[a-z0-9-]+)\Z")


@dataclass(frozen=True)
class KnownImage:
    name: str
    description: str
    os: OsFamily
    tags: tuple[str, ...] = ("latest",)
    """The tags it is known to carry: what the built-in list offers when nothing answers."""


def _macos_description(release: str, kind: str) -> str:
    title = f"macOS {release.capitalize()}"
    if release in RELEASES:
        title += f" ({RELEASES[release]})"
    return f"{title}, {KINDS[kind]}" if kind in KINDS else f"{title}, {kind} image"


def _build() -> tuple[KnownImage, ...]:
    images: list[KnownImage] = []
    for release in CURRENT_RELEASES:
        for kind in KINDS:
            name = f"macos-{release}-{kind}"
            images.append(KnownImage(name, _macos_description(release, kind), "macos"))
    images.append(KnownImage(RUNNER, RUNNER_DESCRIPTION, "macos", RUNNER_TAGS))
    images.extend(KnownImage(name, text, "linux") for name, text in LINUX.items())
    return tuple(images)


KNOWN_IMAGES: tuple[KnownImage, ...] = _build()
_BY_NAME = {image.name: image for image in KNOWN_IMAGES}


def is_tart_image(name: str) -> bool:
    """Whether a `cirruslabs` container package is a Tart VM image worth listing.

    The org also publishes ordinary Docker images (CI agents, build toolchains) that Tart
    cannot run, so we keep the `macos-*` packages plus the Linux VM images we know.
    """
    return name.startswith("macos-") or name in _BY_NAME


def os_of(name: str) -> OsFamily:
    return "macos" if name.startswith("macos-") else "linux"


def describe(name: str) -> str | None:
    """A short human description, from the list or from the `macos-<release>-<kind>` pattern."""
    known = _BY_NAME.get(name)
    if known is not None:
        return known.description
    match = _MACOS_NAME.match(name)
    if match:
        return _macos_description(match["release"], match["kind"])
    return None


def display_rank(name: str) -> tuple[int, int, int, str]:
    """Sort key: macOS newest release first (flavours in KINDS order), then runner, then Linux."""
    match = _MACOS_NAME.match(name)
    if match and match["release"] in RELEASES:
        releases = list(RELEASES)
        kinds = list(KINDS)
        kind = kinds.index(match["kind"]) if match["kind"] in kinds else len(kinds)
        return (0, releases.index(match["release"]), kind, name)
    if name == RUNNER:
        return (1, 0, 0, name)
    if name.startswith("macos-"):
        return (2, 0, 0, name)
    if name in LINUX:
        return (3, list(LINUX).index(name), 0, name)
    return (4, 0, 0, name)
