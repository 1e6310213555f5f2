"""Which digest a pulled tag points to, without relying on `tart fqn` alone.

`tart list` shows every pulled tag twice (the tag and the `@sha256:` digest it links to), and
the inventory folds the two into one entry. `tart fqn` names the digest, but it is a hidden
command that a Tart stand-in may not have; Tart's OCI cache layout is documented
(tart-cli.md §3: the tag is a symlink to the `sha256:<hex>` directory) and reading the link
costs no process. When neither answers, a repository with one tag and one digest row of the
same sizes is taken as a pair, the way Tart lists them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..core.names import parse_remote
from .parse import ListEntry

_DIGEST_RE = re.compile(r"sha256:[0-9a-fA-F]{64}")


def linked_digest(tart_home: Path | None, name: str) -> str | None:
    """The `sha256:<hex>` the cached tag `name` links to, or None (not a tag, not cached,
    not a link, or a layout this Tart does not use)."""
    parsed = parse_remote(name)
    if tart_home is None or parsed is None or parsed.tag is None:
        return None
    host = parsed.host.replace(":", "%3A")  # Tart percent-encodes the port's colon
    link = tart_home / "cache" / "OCIs" / host / parsed.namespace / parsed.tag
    try:
        target = os.readlink(link)
    except OSError:
        return None
    digest = os.path.basename(target.rstrip("/"))
    return digest if _DIGEST_RE.fullmatch(digest) else None


def paired_digests(
    entries: Sequence[ListEntry], digests: Mapping[str, str | None]
) -> dict[str, str | None]:
    """`digests` with the unknown ones filled in where `tart list` leaves no doubt: the tag is
    its repository's only tag, and the repository has exactly one digest row, of the same
    sizes."""
    tags: dict[str, list[ListEntry]] = {}
    rows: dict[str, list[ListEntry]] = {}
    for entry in entries:
        if entry.source.lower() != "oci":
            continue
        parsed = parse_remote(entry.name)
        if parsed is None:
            continue
        kind = rows if parsed.digest is not None else tags
        kind.setdefault(parsed.repository, []).append(entry)
    filled = dict(digests)
    for repository, tagged in tags.items():
        candidates = rows.get(repository, [])
        if len(tagged) != 1 or len(candidates) != 1:
            continue
        tag, row = tagged[0], candidates[0]
        if filled.get(tag.name) is None and (tag.disk, tag.size) == (row.disk, row.size):
            filled[tag.name] = row.name.split("@", 1)[1]
    return filled
