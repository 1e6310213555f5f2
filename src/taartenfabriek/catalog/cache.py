"""The last catalog fetched, kept on disk so a restart or an offline laptop still shows it.

One JSON file in the state folder (`<home>/catalog.json`), written atomically. It holds public
image metadata and a fingerprint of the GitHub token (a truncated SHA-256, so a changed token
is noticed), never the token itself.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.files import write_private
from ..core.models import VMImage

log = logging.getLogger(__name__)

FORMAT = 1


@dataclass(frozen=True)
class Snapshot:
    """One fetch's result: whose it is (`key`), where from, when (unix time) and what."""

    key: str
    origin: str
    fetched_at: float
    images: tuple[VMImage, ...]


class CatalogFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Snapshot | None:
        """The stored snapshot, or None when there is none or it cannot be read."""
        try:
            data: Any = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable catalog cache %s: %s", self.path, exc)
            return None
        try:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("unknown format")
            return Snapshot(
                key=str(data["key"]),
                origin=str(data["origin"]),
                fetched_at=float(data["fetched_at"]),
                images=tuple(VMImage.model_validate(item) for item in data["images"]),
            )
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            log.warning("ignoring catalog cache %s: %s", self.path, exc)
            return None

    def save(self, snapshot: Snapshot) -> None:
        body = {
            "format": FORMAT,
            "key": snapshot.key,
            "origin": snapshot.origin,
            "fetched_at": snapshot.fetched_at,
            "images": [image.model_dump(mode="json") for image in snapshot.images],
        }
        try:
            write_private(self.path, json.dumps(body, separators=(",", ":")))
        except OSError as exc:
            log.warning("could not write the catalog cache %s: %s", self.path, exc)
