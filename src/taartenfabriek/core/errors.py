"""One exception tree for the whole server; `api.errors` maps it to HTTP once.

Lower layers raise these and never build HTTP responses; each class says in one line what
went wrong so the `detail` a client reads is the exception's message.
"""

from __future__ import annotations


class TaartError(Exception):
    """Base of every error the server knows how to explain."""

    status_code = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(TaartError):
    """The VM, task or resource named does not exist."""

    status_code = 404


class Conflict(TaartError):
    """The request clashes with the current state (busy VM, running VM, existing name)."""

    status_code = 409


class InvalidInput(TaartError):
    """The input is well-formed JSON but not acceptable (checked beyond the model)."""

    status_code = 422


class InsufficientStorage(TaartError):
    """The Tart volume has too little free space for the request (e.g. a pull)."""

    status_code = 507


class Unauthorized(TaartError):
    """The local API token is missing or wrong."""

    status_code = 403


class TartMissing(TaartError):
    """The `tart` executable cannot be found or started."""

    status_code = 503


class TartFailed(TaartError):
    """`tart` ran and exited non-zero."""

    status_code = 502

    def __init__(self, detail: str, *, argv: list[str], exit_code: int, stderr: str) -> None:
        super().__init__(detail)
        self.argv = argv
        self.exit_code = exit_code
        self.stderr = stderr


class TartTimeout(TaartError):
    """`tart` did not finish within its time limit and was ended."""

    status_code = 504

    def __init__(self, detail: str, *, argv: list[str], timeout: float) -> None:
        super().__init__(detail)
        self.argv = argv
        self.timeout = timeout


class Cancelled(TaartError):
    """The task was cancelled by the user."""

    status_code = 409


class BackendUnavailable(TaartError):
    """A remote service (GitHub, a registry, an Orchard controller) failed or is unreachable."""

    status_code = 502

    def __init__(self, detail: str, *, status_code: int = 502) -> None:
        super().__init__(detail)
        self.status_code = status_code


class Unsupported(TaartError):
    """The active backend cannot do this (e.g. Orchard has no pull); the detail says what can."""

    status_code = 409


class StorageError(TaartError):
    """The state folder or the task history cannot be read or written (unwritable, disk full)."""

    status_code = 503


class ShuttingDown(TaartError):
    """The server is stopping and takes no new work."""

    status_code = 503
