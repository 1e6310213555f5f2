"""The Orchard backend: client (HTTP + error table), mapping (pure), follow (watch + events),
context (where the controller is), advice (what Orchard offers instead), backend (the seam)."""

from .backend import OrchardBackend
from .context import Connection, resolve

__all__ = ["Connection", "OrchardBackend", "resolve"]
