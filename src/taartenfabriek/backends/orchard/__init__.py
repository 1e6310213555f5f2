"""The Orchard backend: client (HTTP + error table), mapping (pure), follow (watch + events),
context (where the controller is), advice (what Orchard offers instead), pinning (a clone's
worker), backend (the seam). Imported only by the assembly, in Orchard mode."""

from .backend import OrchardBackend
from .context import Connection, resolve

__all__ = ["Connection", "OrchardBackend", "resolve"]
