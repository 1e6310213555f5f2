"""Wire models of what the user writes about a VM: notes, labels and the SSH user name.

Kept by the server (operations/vmrecords.py), never in Tart's files; in Orchard mode too,
where a VM's own `labels` are scheduling constraints that workers must carry, not user tags
(pkg/resource/v1/v1.go:80 "Labels required by this VM"), so they are never written there.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

NOTES_MAX = 8000
"""Characters of Markdown per VM: notes travel with every inventory read."""
LABELS_MAX = 32
LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,62}(?:=[^\x00-\x1f\x7f]{0,128})?")
"""`key` or `key=value`: a key of letters, digits and `. _ / -`; a printable value."""
SSH_USER_RE = re.compile(r"[a-z_][a-z0-9_.-]{0,31}", re.IGNORECASE)


def check_label(value: str) -> str:
    label = value
    if not LABEL_RE.fullmatch(label):
        raise ValueError(
            f"label {value!r}: write key or key=value, the key of letters, digits and . _ / - "
            "(at most 63), the value printable (at most 128)"
        )
    return label


LABEL_PATTERN = f"^{LABEL_RE.pattern}$"
SSH_USER_PATTERN = "^[A-Za-z_][A-Za-z0-9_.-]{0,31}$"
"""The same rules for the OpenAPI document (used with `fullmatch` here)."""


class VMAnnotations(BaseModel):
    notes: str = Field("", max_length=NOTES_MAX, description="Markdown, shown sanitised.")
    labels: list[str] = Field(
        default_factory=list, max_length=LABELS_MAX, description="`key` or `key=value`."
    )
    ssh_user: str | None = Field(
        None, description="The user name of the VM's `ssh` command (default `admin`)."
    )


class AnnotationsUpdate(BaseModel):
    """Each field given replaces the stored one; a field left out is kept."""

    model_config = ConfigDict(strict=True)

    notes: str | None = Field(None, max_length=NOTES_MAX)
    labels: list[Annotated[str, Field(json_schema_extra={"pattern": LABEL_PATTERN})]] | None = (
        Field(None, max_length=LABELS_MAX)
    )
    ssh_user: str | None = Field(
        None,
        max_length=32,
        description='`""` puts the default (`admin`) back.',
        json_schema_extra={"pattern": f"({SSH_USER_PATTERN})|(^$)"},
    )

    @field_validator("labels")
    @classmethod
    def _labels(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        checked = [check_label(value) for value in values]
        return list(dict.fromkeys(checked))  # once each, in the order given

    @field_validator("ssh_user")
    @classmethod
    def _user(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return value
        if not SSH_USER_RE.fullmatch(value):
            raise ValueError(
                "ssh_user must be a user name: letters, digits, . _ -, starting with a letter"
            )
        return value
