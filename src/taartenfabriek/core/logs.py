"""Server log set-up: no secret ever reaches a log line.

Two layers, because either alone misses cases. Patterns catch secrets by their shape wherever
they come from (`token=` in any URL, `Authorization:` headers, `vnc://:<password>@` URLs,
GitHub tokens); the registry catches the values the server itself knows (the local token, old
ones after a rotation, the GitHub and Orchard tokens), whatever the text around them.

The filter sits on every handler (see `log_config`), not only on named loggers: a logger's own
filters never see records that propagate from its children.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from typing import Any

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
"""Shorter registered values are not replaced literally: they would blank out ordinary words."""

_KEY = (
    r"[\w.-]*(?:token|password|passwd|secret|api[_-]?key)|authorization|proxy-authorization"
    r"|cookie|set-cookie"
)
_KEY_VALUE_RE = re.compile(
    rf"""(?P<key>\b(?:{_KEY}))(?P<sep>["']?\s*[:=]\s*["']?)"""
    r"""(?P<scheme>(?:bearer|basic|token|digest)\s+)?+(?!\[redacted\])(?P<value>[^\s"'&,;#)\]}]+)""",
    re.IGNORECASE,
)
_USERINFO_RE = re.compile(
    r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<user>[^/\s:@]*):(?!\[redacted\]@)(?P<password>[^/\s@]+)@",
    re.IGNORECASE,
)
_GITHUB_RE = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})")

_known: set[str] = set()
_known_lock = threading.Lock()
_known_re: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is redacted wherever it shows up in a log line."""
    global _known_re
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    with _known_lock:
        if value in _known:
            return
        _known.add(value)
        ordered = sorted(_known, key=len, reverse=True)
        _known_re = re.compile("|".join(re.escape(v) for v in ordered))


def forget_registered_secrets() -> None:
    """Empty the registry (for tests that need a known starting point)."""
    global _known_re
    with _known_lock:
        _known.clear()
        _known_re = None


def redact(text: str) -> str:
    """`text` with every secret it holds replaced by `[redacted]`."""
    known = _known_re
    if known is not None:
        text = known.sub(REDACTED, text)
    text = _USERINFO_RE.sub(rf"\g<scheme>\g<user>:{REDACTED}@", text)
    text = _GITHUB_RE.sub(REDACTED, text)
    return _KEY_VALUE_RE.sub(_key_value, text)


def _key_value(match: re.Match[str]) -> str:
    return f"{match['key']}{match['sep']}{match['scheme'] or ''}{REDACTED}"


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, arguments and traceback with secrets hidden.

    Arguments keep their number and types where they hold no secret, because formatters such
    as uvicorn's access formatter unpack them positionally.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        elif record.msg is not None and not record.args:
            record.msg = redact(str(record.msg))
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: _redact_arg(v) for k, v in record.args.items()}
            else:
                record.args = tuple(_redact_arg(arg) for arg in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's own logging configuration with the redaction filter on every handler, and
    the root logger (the package's loggers) sent through the same filtered handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": RedactSecrets}}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_secrets")
    config["root"] = {"handlers": ["default"], "level": level.upper()}
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        config["loggers"].setdefault(name, {})["level"] = level.upper()
    config["loggers"]["httpx"] = {"level": "WARNING"}  # one line per request is noise
    return config


def install_redaction() -> None:
    """Filter the named loggers too, for handlers added outside `log_config` (tests, embedders)."""
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "taartenfabriek"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
