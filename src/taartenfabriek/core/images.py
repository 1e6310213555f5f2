"""Cirrus Labs' public images: whose they are and which are Linux guests.

Shared by the catalog (which lists them) and the Orchard backend (which must tell the
controller a Linux image is Linux: it defaults `os` to darwin and reserves a macOS slot),
so it lives below both.
"""

from __future__ import annotations

from .names import parse_remote

ORG = "cirruslabs"

LINUX: dict[str, str] = {
    "ubuntu": "Ubuntu Linux (arm64) for Tart",
    "debian": "Debian Linux (arm64) for Tart",
    "fedora": "Fedora Linux (arm64) for Tart",
}
"""Cirrus Labs' Linux images and their descriptions."""


def image_os(image: str) -> str | None:
    """`linux` for the Linux images the catalog knows (`ghcr.io/cirruslabs/ubuntu`, ...),
    `darwin` for its macOS ones, None for images it does not know."""
    parsed = parse_remote(image)
    if parsed is None or parsed.host != "ghcr.io":
        return None
    owner, _, repository = parsed.namespace.partition("/")
    if owner != ORG or "/" in repository:
        return None
    if repository.startswith("macos-"):
        return "darwin"
    return "linux" if repository in LINUX else None
