"""Where the Orchard controller is and how to log in: settings first, then the CLI's context.

Once the Orchard backend is chosen, a URL or credentials the settings leave out come from the
Orchard CLI's current context (`$ORCHARD_HOME/.orchard/orchard.yml`, with the CLI's own
`ORCHARD_URL` / `ORCHARD_SERVICE_ACCOUNT_*` overrides), so `orchard context create` is all the
setup a user needs. The file never chooses the backend by itself. Credentials of a context are
only sent to that context's own controller, never to a different URL given in the settings.
"""

from __future__ import annotations

import base64
import binascii
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from ...core.errors import InvalidInput

DEFAULT_PORT = 6120
DEV_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
"""What the CLI falls back to without a default context: `orchard dev`'s address."""
BOOTSTRAP_PREFIX = "orchard-bootstrap-token-v0."


@dataclass(frozen=True)
class Connection:
    """Everything needed to talk to one controller."""

    url: str
    service_account: str | None = None
    token: str | None = None
    certificate: str | None = None
    """PEM text of a pinned controller certificate (the self-signed one), if any."""
    source: str = "settings"
    """Where the URL came from, for the start-up log line (never holds a secret)."""

    @property
    def auth(self) -> tuple[str, str] | None:
        """Basic auth, or None for `orchard dev`'s no-auth mode (send no header at all)."""
        if self.service_account and self.token:
            return (self.service_account, self.token)
        return None

    def ssl_context(self) -> ssl.SSLContext | bool:
        """Trust the pinned certificate only, or the system roots without one.

        The controller's self-signed certificate names `orchard-controller` only, so the Go
        client checks the chain against the pinned certificate and not the host name; we do
        the same (the pinned certificate is the only trust anchor, so nothing else passes).
        """
        if self.certificate is None:
            return True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.check_hostname = False
        context.verify_mode = ssl.CERT_REQUIRED
        try:
            context.load_verify_locations(cadata=self.certificate)
        except (ssl.SSLError, ValueError) as exc:
            raise InvalidInput(f"the Orchard certificate cannot be loaded: {exc}") from exc
        return context

    def describe(self) -> str:
        who = f"service account {self.service_account!r}" if self.auth else "no authentication"
        pinned = ", pinned certificate" if self.certificate else ""
        return f"{self.url} ({self.source}; {who}{pinned})"


def normalise_url(value: str) -> str:
    """The CLI's address rules: no scheme -> https, no port -> 6120; a path prefix is kept."""
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{value!r} is not an Orchard controller URL (http[s]://host[:port])")
    if parts.username or parts.password:
        raise InvalidInput(
            "the Orchard URL must not hold credentials: set TARTVM_ORCHARD_SERVICE_ACCOUNT and "
            "TARTVM_ORCHARD_TOKEN instead"
        )
    netloc = parts.netloc
    if parts.port is None:
        netloc = f"{netloc}:{DEFAULT_PORT}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def config_path(environ: Mapping[str, str]) -> Path:
    """`$ORCHARD_HOME/.orchard/orchard.yml`, else `~/.orchard/orchard.yml`."""
    home = environ.get("ORCHARD_HOME") or environ.get("HOME") or str(Path.home())
    return Path(home) / ".orchard" / "orchard.yml"


def parse_bootstrap_token(value: str) -> tuple[str, str, str | None] | None:
    """`orchard-bootstrap-token-v0.<name>.<token>[.<PEM>]` (base64url, unpadded) -> parts."""
    if not value.startswith(BOOTSTRAP_PREFIX):
        return None
    parts = value[len(BOOTSTRAP_PREFIX) :].split(".")
    if len(parts) not in (2, 3):
        raise InvalidInput("the Orchard bootstrap token is malformed (expected 2 or 3 parts)")
    try:
        decoded = [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode() for p in parts]
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("the Orchard bootstrap token is not valid base64") from exc
    return decoded[0], decoded[1], decoded[2] if len(decoded) == 3 else None


@dataclass(frozen=True)
class CliContext:
    name: str
    url: str | None
    service_account: str | None
    token: str | None
    certificate: str | None


def read_default_context(environ: Mapping[str, str]) -> CliContext | None:
    """The CLI's default context with its env overrides; None when there is none."""
    path = config_path(environ)
    data: Any = {}
    try:
        text = path.read_text()
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise InvalidInput(f"cannot read the Orchard CLI configuration {path}: {exc}") from exc
    if text.strip():
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInput(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        data = {}
    name = data.get("default-context")
    contexts = data.get("contexts") if isinstance(data.get("contexts"), dict) else {}
    entry = contexts.get(name) if isinstance(name, str) else None
    if not isinstance(entry, dict):
        entry = None
    overrides = {
        key: environ.get(var) or None
        for key, var in (
            ("url", "ORCHARD_URL"),
            ("serviceAccountName", "ORCHARD_SERVICE_ACCOUNT_NAME"),
            ("serviceAccountToken", "ORCHARD_SERVICE_ACCOUNT_TOKEN"),
        )
    }
    if entry is None and not any(overrides.values()):
        return None
    merged = {**(entry or {}), **{k: v for k, v in overrides.items() if v}}
    certificate = None
    encoded = merged.get("certificate")
    if isinstance(encoded, str) and encoded.strip():
        try:
            certificate = base64.b64decode(encoded, validate=False).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"the certificate of Orchard context {name!r} in {path} is not base64 PEM"
            ) from exc

    def text_of(key: str) -> str | None:
        value = merged.get(key)
        return str(value) if value not in (None, "") else None

    return CliContext(
        name=name if isinstance(name, str) else "environment",
        url=text_of("url"),
        service_account=text_of("serviceAccountName"),
        token=text_of("serviceAccountToken"),
        certificate=certificate,
    )


def resolve(
    *,
    url: str | None,
    service_account: str | None,
    token: str | None,
    environ: Mapping[str, str],
) -> Connection:
    """Settings first; what they leave out comes from the CLI's default context."""
    certificate: str | None = None
    if token:
        bootstrap = parse_bootstrap_token(token)
        if bootstrap is not None:
            service_account = service_account or bootstrap[0]
            token, certificate = bootstrap[1], bootstrap[2]
    given_url = normalise_url(url) if url else None
    context = None
    if given_url is None or not (service_account and token):
        context = read_default_context(environ)
    source = "settings"
    if context is not None and context.url is not None:
        context_url = normalise_url(context.url)
        if given_url is None or given_url == context_url:
            if given_url is None:
                source = f"Orchard context {context.name!r}"
            given_url = context_url
            if not (service_account or token):
                service_account, token = context.service_account, context.token
            certificate = certificate or context.certificate
    if given_url is None:
        given_url, source = DEV_URL, "default `orchard dev` address"
    if bool(service_account) != bool(token):
        raise InvalidInput(
            "Orchard credentials need both a service account name and its token "
            "(TARTVM_ORCHARD_SERVICE_ACCOUNT and TARTVM_ORCHARD_TOKEN)"
        )
    return Connection(
        url=given_url,
        service_account=service_account,
        token=token,
        certificate=certificate,
        source=source,
    )
