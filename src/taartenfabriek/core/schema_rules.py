"""What the request models' cross-field validators refuse, said in JSON Schema.

The OpenAPI document is the contract clients (and schemathesis) check us against: a body it
allows must not be refused, one it forbids must not be accepted. Field rules travel as
`pattern`s next to their fields; the rules that tie fields together live here, next to each
other, and each names the validator it mirrors.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Strict, model_validator
from pydantic.config import JsonDict

CONFIG_UPDATE: JsonDict = {  # models.ConfigUpdate._something
    "not": {
        "required": ["memory", "memory_mb"],
        "properties": {"memory": {"type": "integer"}, "memory_mb": {"type": "integer"}},
    },
    "anyOf": [
        {"required": ["cpu"]},
        {"required": ["memory"]},
        {"required": ["memory_mb"]},
        {"required": ["display"]},
        {"required": ["disk_size"]},
        {"required": ["random_mac"], "properties": {"random_mac": {"const": True}}},
    ],
}

CREATE_EMPTY: JsonDict = {  # models.CreateEmptyRequest._per_os
    "anyOf": [
        {"properties": {"os": {"const": "linux"}, "ipsw": {"type": "null"}}},
        {"required": ["os"], "properties": {"os": {"const": "macos"}, "iso": {"type": "null"}}},
    ]
}

DISK_PATH: JsonDict = {"pattern": "^/[^:\\x00-\\x1f]*$"}
DIR_PATH: JsonDict = {"pattern": "^/[^:,\\x00-\\x1f]*$"}
"""start_options._absolute: an absolute path without ':' or control characters (a shared
folder's: nor ',', after which tart reads options)."""
ISO: JsonDict = {**DISK_PATH, "examples": ["/Users/me/Downloads/debian-12-arm64-netinst.iso"]}

IPSW_PATTERN = r"^(?:latest|https?://[^\s]+|/[\s\S]*\.[iI][pP][sS][wW])$"
"""models.CreateEmptyRequest._ipsw: `latest`, an http(s) URL, or an absolute `.ipsw` path."""


WireInt = Annotated[int, Strict(False)]
"""An `integer` as JSON Schema means it, `3` and `3.0`: the models are strict, which would
refuse `3.0`. `true` and `"3"`, which lax pydantic reads as numbers, are refused by
`json_numbers` (a model-level check: a field-level validator loses `minimum`/`maximum` from
the JSON Schema of an optional field)."""


def json_numbers(*fields: str) -> Any:
    """A `model_validator(mode="before")` refusing booleans and strings in `fields`."""

    def check(cls: type, data: Any) -> Any:
        if isinstance(data, dict):
            for name in fields:
                if isinstance(data.get(name), bool | str):
                    raise ValueError(f"{name} must be a JSON number")
        return data

    return model_validator(mode="before")(check)
