"""A fake Orchard controller built from orchard-api.md §13 (see server.FakeOrchard)."""

from .server import FakeOrchard
from .store import Reply, Store

__all__ = ["FakeOrchard", "Reply", "Store"]
