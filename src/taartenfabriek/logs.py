"""Server log set-up; secrets never reach a log line (`token=` in any URL is redacted)."""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_RE = re.compile(r"((?:token|password)=)[^&\s\"']+", re.IGNORECASE)
_URL_PASSWORD_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+(@)", re.IGNORECASE)
"""`vnc://:<password>@127.0.0.1:5900` (tart run --vnc-experimental) and `scheme://user:pw@`."""
_BEARER_RE = re.compile(r"(\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_GITHUB_RE = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")


def redact(text: str) -> str:
    text = _SECRET_RE.sub(r"\1[redacted]", text)
    text = _URL_PASSWORD_RE.sub(r"\1[redacted]\2", text)
    text = _BEARER_RE.sub(r"\1[redacted]", text)
    return _GITHUB_RE.sub("[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and arguments with `token=...` values hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: _redact_arg(v) for k, v in record.args.items()}
            else:
                record.args = tuple(_redact_arg(arg) for arg in record.args)
        return True


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def install_redaction() -> None:
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "taartenfabriek"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
