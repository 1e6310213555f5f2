"""In-browser console (noVNC through a server relay) and terminal (`tart exec` on a pty).

May import core/, care/ (run logs), inventory/ and backends/ (their interfaces); never tart/
(the assembly hands it the `tart` argv) nor api/.
"""

from .credentials import CREDENTIALS_FILE, CredentialStore
from .service import ConsoleService, ConsoleSettings
from .terminal import DEFAULT_SHELL

__all__ = [
    "CREDENTIALS_FILE",
    "DEFAULT_SHELL",
    "ConsoleService",
    "ConsoleSettings",
    "CredentialStore",
]
