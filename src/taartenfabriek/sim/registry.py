"""The simulated OCI registry: which images "exist", their digests and realistic sizes.

Known: Cirrus Labs' `ghcr.io/cirruslabs/macos-{tahoe,sequoia,sonoma,ventura}-{base,vanilla,
xcode}` (any tag), `macos-runner:{tahoe,sequoia,sonoma}`, `ubuntu`, `debian`, `fedora` (any
tag), plus the names listed in the file TART_SIM_REGISTRY and images pushed with `tart push`.
Digests are deterministic: sha256 of the canonical name (plus TART_SIM_DIGEST_SALT, which
simulates every tag having been re-pushed). Imports `names`, `errors`.
"""

from __future__ import annotations

import os

from .errors import PlainError
from .names import RemoteName, try_parse

GB = 1_000_000_000
MACOS_RELEASES = ("tahoe", "sequoia", "sonoma", "ventura")
# flavour -> (disk GB, compressed GB range)
MACOS_FLAVOURS = {"base": (50, 24.0, 27.5), "vanilla": (50, 14.0, 17.0), "xcode": (100, 50.0, 58.0)}
RUNNER_TAGS = ("tahoe", "sequoia", "sonoma")
LINUX_IMAGES = ("ubuntu", "debian", "fedora")


class Image:
    """A pullable image: its manifest digest, OS and sizes in bytes."""

    __slots__ = ("allocated", "compressed", "digest", "disk", "name", "os")

    def __init__(self, name: RemoteName, digest: str, os_name: str, disk_gb: int) -> None:
        self.name = name
        self.digest = digest
        self.os = os_name
        self.disk = disk_gb * GB
        spread = int(digest[7:15] or "0", 16) / 0xFFFFFFFF
        if os_name == "darwin":
            low, high = _macos_compressed_range(name)
            self.compressed = int((low + (high - low) * spread) * GB)
            self.allocated = int(self.compressed * 0.87)
        else:
            self.compressed = int((0.9 + 0.7 * spread) * GB)
            self.allocated = int(self.compressed * 2.4)

    def manifest(self) -> dict[str, object]:
        """A plausible Tart OCI manifest (config, disk layers, NVRAM)."""
        import hashlib

        def blob(kind: str) -> str:
            return "sha256:" + hashlib.sha256(f"{self.digest}/{kind}".encode()).hexdigest()

        layer_size = 512 * 1024 * 1024
        layers: list[object] = []
        remaining, index = self.compressed, 0
        while remaining > 0 and index < 64:
            size = min(layer_size, remaining)
            layers.append(
                {
                    "mediaType": "application/vnd.cirruslabs.tart.disk.v2",
                    "digest": blob(f"disk{index}"),
                    "size": size,
                    "annotations": {"org.cirruslabs.tart.uncompressed-size": str(layer_size)},
                }
            )
            remaining -= size
            index += 1
        layers.append(
            {
                "mediaType": "application/vnd.cirruslabs.tart.nvram.v1",
                "digest": blob("nvram"),
                "size": 131072,
            }
        )
        return {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": blob("config"),
                "size": 1024,
            },
            "layers": layers,
            "annotations": {
                "org.cirruslabs.tart.uncompressed-disk-size": str(self.disk),
                "org.cirruslabs.tart.upload-time": "2026-05-01T12:00:00Z",
            },
        }


def _macos_compressed_range(name: RemoteName) -> tuple[float, float]:
    repository = name.namespace.rsplit("/", 1)[-1]
    if repository == "macos-runner":
        return 70.0, 78.0
    for flavour, (_disk, low, high) in MACOS_FLAVOURS.items():
        if repository.endswith("-" + flavour):
            return low, high
    return 20.0, 26.0


def digest_of(name: RemoteName) -> str:
    if name.digest is not None:
        return name.digest
    import hashlib

    salt = os.environ.get("TART_SIM_DIGEST_SALT", "")
    seed = f"{name}#{salt}" if salt else str(name)
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def _builtin(name: RemoteName) -> tuple[bool, str, int] | None:
    """(tag known?, os, disk GB) for Cirrus Labs repositories, None for unknown ones."""
    if name.host != "ghcr.io" or not name.namespace.startswith("cirruslabs/"):
        return None
    repository = name.namespace[len("cirruslabs/") :]
    if repository in LINUX_IMAGES:
        return True, "linux", 20
    if repository == "macos-runner":
        return (name.digest is not None or name.tag in RUNNER_TAGS), "darwin", 120
    for release in MACOS_RELEASES:
        for flavour, (disk, _low, _high) in MACOS_FLAVOURS.items():
            if repository == f"macos-{release}-{flavour}":
                return True, "darwin", disk
    return None


def _listed_lines() -> list[str]:
    lines: list[str] = []
    sources = [os.environ.get("TART_SIM_REGISTRY", "")]
    try:
        from . import home

        sources.append(home.path(".sim-registry"))
    except Exception:
        pass
    for source in sources:
        if not source:
            continue
        try:
            with open(source, encoding="utf-8") as handle:
                lines.extend(handle.read().splitlines())
        except OSError:
            continue
    return lines


def _listed(name: RemoteName) -> tuple[bool, str, int] | None:
    found: tuple[bool, str, int] | None = None
    for line in _listed_lines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        listed = try_parse(fields[0])
        if listed is None or listed.repository != name.repository:
            continue
        os_name = fields[1] if len(fields) > 1 else _guess_os(name)
        disk = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else _guess_disk(os_name)
        explicit = "@" in fields[0] or fields[0].rsplit("/", 1)[-1].count(":") == 1
        tag_ok = not explicit or listed.reference == name.reference
        if tag_ok:
            return True, os_name, disk
        found = (False, os_name, disk)
    return found


def _guess_os(name: RemoteName) -> str:
    return "darwin" if "macos" in name.namespace.lower() else "linux"


def _guess_disk(os_name: str) -> int:
    return 50 if os_name == "darwin" else 20


def _http_404(code: str, message: str) -> PlainError:
    body = f'{{"errors":[{{"code":"{code}","message":"{message}"}}]}}'
    escaped = body.replace("\\", "\\\\").replace('"', '\\"')
    # The details string is the registry's response body as Swift prints it (unsure).
    return PlainError(
        f'UnexpectedHTTPStatusCode(when: "pulling manifest", code: 404, details: "{escaped}")'
    )


def lookup(name: RemoteName) -> Image:
    """The image `name` resolves to, or the registry's 404 as Tart reports it."""
    known = _builtin(name) or _listed(name)
    if known is None:
        raise _http_404("NAME_UNKNOWN", "repository name not known to registry")
    tag_ok, os_name, disk = known
    if not tag_ok:
        raise _http_404("MANIFEST_UNKNOWN", "manifest unknown")
    return Image(name, digest_of(name), os_name, disk)


def record_push(name: RemoteName, os_name: str, disk_gb: int) -> None:
    """Remember a pushed image so later pulls find it."""
    from . import home

    with open(home.path(".sim-registry"), "a", encoding="utf-8") as handle:
        handle.write(f"{name} {os_name} {disk_gb}\n")
