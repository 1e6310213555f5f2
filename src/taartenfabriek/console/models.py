"""Wire models and close codes of the console (VNC) and terminal sockets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

ConsoleMode = Literal["vnc-experimental", "vnc"]
"""`vnc-experimental`: Virtualization.framework's VNC server that `tart run --vnc-experimental`
starts on 127.0.0.1 (password from its run log); `vnc`: the guest's own Screen Sharing on
`<guest IP>:5900` (the VM's user name and password)."""

# WebSocket close codes. 1000/1008/1009/1013 are RFC 6455's; 4xxx are the app's own, shaped
# after the HTTP status they resemble so a client can group them.
NORMAL = 1000
POLICY_VIOLATION = 1008
TOO_BIG = 1009
INTERNAL_ERROR = 1011
TRY_AGAIN_LATER = 1013
NOT_FOUND = 4404
IDLE = 4408
NOT_RUNNING = 4409
VM_STOPPED = 4410
NO_AGENT = 4412
TOO_MANY = 4429
UNSUPPORTED = 4501
CONNECT_FAILED = 4502
UNAVAILABLE = 4503

CLOSE_CODES: dict[str, int] = {
    "not_found": NOT_FOUND,
    "idle": IDLE,
    "not_running": NOT_RUNNING,
    "vm_stopped": VM_STOPPED,
    "no_agent": NO_AGENT,
    "too_many": TOO_MANY,
    "unsupported": UNSUPPORTED,
    "connect_failed": CONNECT_FAILED,
    "unavailable": UNAVAILABLE,
    "starting": UNAVAILABLE,
    "no_ip": UNAVAILABLE,
    "base_image": UNAVAILABLE,
    "no_serial": UNAVAILABLE,
    "serial_lost": UNAVAILABLE,
}
"""The code each error kind closes a socket with (the JSON error frame names the kind)."""


class ConsoleInfo(BaseModel):
    """Can the VM's screen be shown now, and how (`GET /api/vms/{name}/console`)."""

    name: str
    available: bool
    mode: ConsoleMode | None = Field(
        None, description="How the console connects; null when it is not available."
    )
    reason: str | None = Field(
        None, description="Why it is not available (or a hint when it is), in one sentence."
    )
    code: str | None = Field(
        None,
        description="Machine-readable reason: not_running, starting, no_ip, base_image, ...",
    )
    address: str | None = Field(
        None, description="Where the server connects (host:port), for display only."
    )
    username: str | None = Field(None, description="`vnc` mode: the guest user to log in as.")
    password: str | None = Field(
        None,
        description="The VNC password noVNC answers with: the run's random one in "
        "`vnc-experimental` mode, the guest user's in `vnc` mode. Only on this route.",
    )
    credentials_saved: bool = Field(
        False,
        description="`vnc` mode: the user name and password were set for this VM "
        "(otherwise Cirrus Labs' image defaults, admin/admin).",
    )
    websocket: str = Field(..., description="Path of the VNC WebSocket (add `?token=`).")
    terminal: str = Field(..., description="Path of the terminal WebSocket (add `?token=`).")
    serial: str = Field(
        "",
        description="Path of the serial console WebSocket (add `?token=`): a run started "
        "with the start option `serial`.",
    )


_PRINTABLE: JsonDict = {"pattern": "^[^\\x00-\\x1f\\x7f]*$"}
"""No control characters: `_printable`, for the OpenAPI document."""


class ConsoleCredentials(BaseModel):
    """The guest user noVNC logs in as in `vnc` mode (macOS Screen Sharing)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    username: str = Field(
        ..., min_length=1, max_length=256, examples=["admin"], json_schema_extra=_PRINTABLE
    )
    password: str = Field(..., max_length=256, examples=["admin"], json_schema_extra=_PRINTABLE)

    @field_validator("username", "password")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("control characters are not allowed")
        return value


class TerminalMessage(BaseModel):
    """A text frame from the browser on the terminal socket (keys travel as binary frames)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["resize"]
    cols: int = Field(..., ge=1, le=1000)
    rows: int = Field(..., ge=1, le=1000)
