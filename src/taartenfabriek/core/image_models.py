"""Wire models of images both ways: registry logins, push, and `.tvm` export and import.

Apart from `models.py` (the seed's models) to keep both short. A password is a `SecretStr`:
it prints as `**********` in any repr, log line or error, and only `registries` reads it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.config import JsonDict

from .names import (
    LOCAL_NAME_MAX,
    LOCAL_NAME_PATTERN,
    REMOTE_NAME_PATTERN,
    local_name_error,
    remote_name_error,
)
from .schema_rules import WireInt, json_numbers

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
HOST_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?")
"""A registry host as `tart login` takes it: `host[:port]`, no scheme, no path."""
HOST_PATTERN = f"^{HOST_RE.pattern}$"
USER_RE = re.compile(r"[^\s\x00-\x1f\x7f-][^\x00-\x1f\x7f]{0,255}")
"""A user name: printable, no leading dash or blank (it is an argv value)."""
LABEL_KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,127}")
TVM_PATH_MAX = 1024


def check_host(value: str) -> str:
    if not HOST_RE.fullmatch(value):
        raise ValueError(
            "host must be a registry host name with an optional port, such as ghcr.io or "
            "registry.example.com:5000 (no https://, no path)"
        )
    return value.lower()


class RegistryLogin(BaseModel):
    model_config = ConfigDict(strict=True)
    host: str = Field(..., examples=["ghcr.io"], json_schema_extra={"pattern": HOST_PATTERN})
    username: str = Field(
        ...,
        min_length=1,
        max_length=256,
        examples=["octocat"],
        json_schema_extra={"pattern": r"^[^\s\u0000-\u001f\u007f-][^\u0000-\u001f\u007f]*$"},
    )
    password: SecretStr = Field(
        ...,
        min_length=1,
        max_length=4096,
        description="Handed to `tart login --password-stdin` on its stdin; never stored, "
        "logged or echoed.",
    )
    insecure: bool = Field(False, description="The registry speaks plain HTTP.")

    _host = field_validator("host")(check_host)

    @field_validator("username")
    @classmethod
    def _user(cls, value: str) -> str:
        if not USER_RE.fullmatch(value):
            raise ValueError("username must be printable, without a leading dash or blank")
        return value


class Registry(BaseModel):
    """A registry this server logged in to: the host and user name, never a secret."""

    host: str
    username: str
    insecure: bool = False
    logged_in_at: float = Field(..., description="Unix time of the last successful login.")


class RegistryList(BaseModel):
    registries: list[Registry]
    note: str = Field(
        "Tart keeps the credentials (the login Keychain on a Mac); this list holds only the "
        "logins made through this server.",
    )


LabelKey = Annotated[str, Field(min_length=1, max_length=128)]


class PushRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    remote_names: list[
        Annotated[str, Field(max_length=512, json_schema_extra={"pattern": REMOTE_NAME_PATTERN})]
    ] = Field(
        ...,
        min_length=1,
        max_length=16,
        examples=[["ghcr.io/acme/golden-sequoia:1.0", "ghcr.io/acme/golden-sequoia:latest"]],
        description="One or more OCI references (`host/namespace:tag`); one push, many tags.",
    )
    insecure: bool = False
    concurrency: WireInt = Field(4, ge=1, le=64, description="Parallel uploads (`--concurrency`).")
    chunk_size: WireInt = Field(
        0,
        ge=0,
        le=4096,
        description="Chunk size in MB for registries that take chunked uploads; 0 uploads each "
        "blob whole (`--chunk-size`).",
    )
    labels: dict[LabelKey, Annotated[str, Field(max_length=1024)]] = Field(
        default_factory=dict,
        description="OCI config labels (`--label key=value`).",
        max_length=32,
        json_schema_extra={
            "propertyNames": {"pattern": f"^{LABEL_KEY_RE.pattern}$"},
            "additionalProperties": {
                "type": "string",
                "maxLength": 1024,
                "pattern": "^[^\\u0000-\\u001f\\u007f]*$",
            },
        },
    )
    populate_cache: bool = Field(False, description="Also keep the pushed image in Tart's cache.")

    _numbers = json_numbers("concurrency", "chunk_size")

    @field_validator("remote_names")
    @classmethod
    def _remotes(cls, values: list[str]) -> list[str]:
        for value in values:
            error = remote_name_error(value)
            if error is not None:
                raise ValueError(error)
        unique: dict[str, str] = {}
        for value in values:
            unique.setdefault(value.lower(), value)  # one push per reference, first spelling
        return list(unique.values())

    @field_validator("labels")
    @classmethod
    def _labels(cls, values: dict[str, str]) -> dict[str, str]:
        for key, value in values.items():
            if not LABEL_KEY_RE.fullmatch(key):
                raise ValueError(f"label key {key!r}: letters, digits and . _ / - only")
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise ValueError(f"label {key!r}: the value has a control character")
        return values


_PATH_SCHEMA: JsonDict = {
    "maxLength": TVM_PATH_MAX,
    "pattern": r"^/[^\u0000-\u001f\u007f-\u009f]*[^/\u0000-\u001f\u007f-\u009f]$",
    "not": {"pattern": r"(^|/)\.\.?(/|$)"},
}
"""An absolute path naming a file, without control characters or `.`/`..` components: what
`operations/images.checked_path` accepts (it also names the field in its 422)."""


class ExportRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    path: str = Field(
        ...,
        examples=["/Users/me/Desktop/golden.tvm"],
        description="Absolute path of the `.tvm` file to write on the Mac running the server.",
        json_schema_extra=_PATH_SCHEMA,
    )
    overwrite: bool = Field(False, description="Replace an existing file (only once done).")


class ImportRequest(BaseModel):
    model_config = ConfigDict(strict=True)
    path: str = Field(
        ...,
        examples=["/Users/me/Downloads/golden.tvm"],
        description="Absolute path of a `.tvm` file made by `tart export`.",
        json_schema_extra=_PATH_SCHEMA,
    )
    name: str = Field(
        ...,
        examples=["golden"],
        json_schema_extra={"pattern": LOCAL_NAME_PATTERN, "maxLength": LOCAL_NAME_MAX},
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        error = local_name_error(value)
        if error is not None:
            raise ValueError(error)
        return value
