"""Basic auth against service accounts, roles, and `orchard dev`'s no-auth mode (§2)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence

from starlette.requests import Request

from .store import Reply, Store

READ = ("compute:read",)
WRITE = ("compute:write",)
ADMIN_READ = ("admin:read",)
ADMIN_WRITE = ("admin:write",)


def roles_of(request: Request) -> set[str] | None:
    """The caller's roles; None when unauthenticated or the credentials are wrong."""
    if request.app.state.dev:
        return {"*"}
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        name, _, token = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    store: Store = request.app.state.store
    with store.lock:
        account = store.accounts.get(name)
        if account is None or not hmac.compare_digest(account["token"].encode(), token.encode()):
            return None
        return set(account["roles"])


def require(request: Request, *, all_of: Sequence[str] = (), any_of: Sequence[str] = ()) -> None:
    """401 empty for no or bad credentials; 401 with the role message for a missing role."""
    roles = roles_of(request)
    if roles is None:
        raise Reply(401)
    if "*" in roles:
        return
    if any(role not in roles for role in all_of):
        raise Reply(401, f"all of the following roles must be present: {', '.join(all_of)}")
    if any_of and not roles.intersection(any_of):
        raise Reply(401, f"any of the following roles must be present: {', '.join(any_of)}")
