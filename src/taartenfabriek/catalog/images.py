"""Pure conversion: GitHub package records or registry tag lists -> VMImage, tags in useful order.

No I/O here, so the ordering rules (what a user sees first in the pull dialog) are unit-tested
directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ..core.models import VMImage
from . import known

Origin = Literal["github", "registry", "builtin", "simulator"]

_DIGEST_TAG = re.compile(r"^(sha256[-:])?[0-9a-f]{64}(\.(sig|att|sbom))?\Z")
_VERSION = re.compile(r"^[vV]?(\d+(?:\.\d+)*)(.*)\Z")
_CHUNK = re.compile(r"(\d+)")


def is_digest_tag(tag: str) -> bool:
    """Tags that only name a digest: cosign's `sha256-<hex>.sig`/`.att`, or a bare hex digest."""
    return bool(_DIGEST_TAG.match(tag))


def _suffix_key(suffix: str) -> tuple[tuple[int, int, str], ...]:
    """Natural order for a pre-release suffix (`-beta-2` before `-beta-1`)."""
    parts = [part for part in _CHUNK.split(suffix.lstrip("-._+")) if part]
    return tuple((0, -int(part), "") if part.isdigit() else (1, 0, part) for part in parts)


def tag_sort_key(tag: str) -> tuple[Any, ...]:
    """`latest` first, then versions newest first, then other names alphabetically.

    Versions compare number by number (`15.10` is newer than `15.9`); a shorter version that
    prefixes a longer one comes first, since Cirrus Labs use `16` as the moving alias of the
    newest `16.x`; a release comes before its pre-releases (`16.3` before `16.3-beta-2`).
    macOS codenames (the `macos-runner` tags) count as their version number.
    """
    if tag == "latest":
        return (0,)
    lowered = tag.lower()
    if lowered in known.RELEASES:
        return (1, (-known.RELEASES[lowered],), (1,), lowered)
    match = _VERSION.match(tag)
    if match:
        numbers = tuple(-int(part) for part in match[1].split("."))
        suffix = match[2]
        release = (0,) if not suffix else (1, _suffix_key(suffix))
        return (1, numbers, release, tag)
    return (2, lowered, tag)


def order_tags(tags: Iterable[str]) -> list[str]:
    """Unique, digest-only tags dropped, in `tag_sort_key` order."""
    unique = {tag for tag in tags if isinstance(tag, str) and tag and not is_digest_tag(tag)}
    return sorted(unique, key=tag_sort_key)


def default_tag(tags: Sequence[str]) -> str | None:
    """`latest` where it exists, else the newest tag (`tags` are already ordered)."""
    if "latest" in tags:
        return "latest"
    return tags[0] if tags else None


def make_image(
    name: str,
    tags: Iterable[str],
    *,
    registry_host: str,
    origin: Origin,
    description: str | None = None,
    updated_at: str | None = None,
) -> VMImage | None:
    """One catalog entry, or None when nothing in it can be pulled by tag."""
    ordered = order_tags(tags)
    tag = default_tag(ordered)
    if tag is None:
        return None
    return VMImage(
        name=name,
        url=f"{registry_host}/{known.ORG}/{name}:{tag}",
        description=description or known.describe(name),
        tags=ordered,
        updated_at=updated_at,
        origin=origin,
        os=known.os_of(name),
    )


def version_tags(versions: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every tag named by GitHub package versions; untagged (digest-only) versions give none."""
    tags: list[str] = []
    for version in versions:
        metadata = version.get("metadata")
        container = metadata.get("container") if isinstance(metadata, Mapping) else None
        names = container.get("tags") if isinstance(container, Mapping) else None
        if isinstance(names, list):
            tags.extend(tag for tag in names if isinstance(tag, str))
    return tags


def image_from_package(
    package: Mapping[str, Any],
    versions: Iterable[Mapping[str, Any]],
    *,
    registry_host: str,
) -> VMImage | None:
    """A GitHub container package and its versions -> VMImage.

    Container packages carry no description of their own, and their repository's description
    is the same for every image ("Packer templates..."), so the per-image words come from the
    maintained list unless the package does have a description.
    """
    name = str(package["name"])
    description = package.get("description")
    updated_at = package.get("updated_at")
    return make_image(
        name,
        version_tags(versions),
        registry_host=registry_host,
        origin="github",
        description=description if isinstance(description, str) and description else None,
        updated_at=updated_at if isinstance(updated_at, str) else None,
    )


def known_versions(name: str) -> list[Mapping[str, Any]]:
    """GitHub-shaped versions carrying the tags a package is known to have (`latest` for one
    the maintained list does not know)."""
    tags = next((list(i.tags) for i in known.KNOWN_IMAGES if i.name == name), ["latest"])
    return [{"metadata": {"container": {"tags": tags}}}]


def builtin_images(registry_host: str, origin: Origin = "builtin") -> list[VMImage]:
    """The maintained list with its usual tags, unchecked: for when nothing answers (and,
    as `simulator`, what the demo's simulated registry serves)."""
    found = (
        make_image(image.name, image.tags, registry_host=registry_host, origin=origin)
        for image in known.KNOWN_IMAGES
    )
    return sort_images(image for image in found if image is not None)


def sort_images(images: Iterable[VMImage]) -> list[VMImage]:
    return sorted(images, key=lambda image: known.display_rank(image.name))
