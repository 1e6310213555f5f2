"""Tart's and the registry's raw error text, in one sentence a user can act on.

Tart prints errors with Swift's `String(describing:)`: its `RuntimeError`s are already
sentences (Sources/tart/VMStorageHelper.swift, `description`), but `RegistryError` has no
description, so a missing image reaches stderr as `UnexpectedHTTPStatusCode(when: "pulling
manifest", code: 404, details: "{...NAME_UNKNOWN...}")` (Sources/tart/OCI/Registry.swift:4-9,
185), and a network failure as Foundation's `Error Domain=NSURLErrorDomain Code=-1009 ...`.
Those are translated here; the raw text stays in the task's `stderr` and logs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HTTP = re.compile(
    r'UnexpectedHTTPStatusCode\(when: "(?P<when>[^"]*)", code: (?P<code>\d{3})'
    r'(?:, details: "(?P<details>.*)")?\)?',
    re.DOTALL,
)
_AUTH = re.compile(r'AuthFailed\(why: "(?P<why>[^"]*)"')
_URL_CODE = re.compile(r"NSURLErrorDomain Code=(?P<code>-?\d+)")

# Foundation's URL error codes (NSURLError.h), the ones a registry request meets.
_URL_ERRORS = {
    "-1001": "{host} did not answer in time",
    "-1003": "{host} could not be found (no such host name)",
    "-1004": "{host} refused the connection",
    "-1005": "the connection to {host} was lost",
    "-1009": "{host} could not be reached: this Mac appears to be offline",
    "-1200": "a secure connection to {host} could not be made",
}
_URL_TEXT = {  # Foundation's own sentences for those codes, when only they are printed
    "the internet connection appears to be offline": "-1009",
    "a server with the specified hostname could not be found": "-1003",
    "could not connect to the server": "-1004",
    "the request timed out": "-1001",
    "the network connection was lost": "-1005",
}


def _reference(argv: Sequence[str]) -> str | None:
    """The OCI reference a command names (pull, clone, push, login), if any."""
    for arg in argv[2:]:
        if not arg.startswith("-") and ("/" in arg or "." in arg.split("/")[0]):
            return arg
    return None


def _host(reference: str | None) -> str:
    if reference and "/" in reference:
        return f"the registry {reference.split('/')[0]}"
    return "the registry"


def _http(match: re.Match[str], reference: str | None) -> str:
    code = int(match["code"])
    when = match["when"]
    details = match["details"] or ""
    image = f"Image {reference}" if reference else "The image"
    if code == 404:
        if "MANIFEST_UNKNOWN" in details:
            return f"{image} was not found in the registry (404): it has no such tag or digest"
        if "NAME_UNKNOWN" in details:
            return f"{image} was not found in the registry (404): no repository has that name"
        return f"{image} was not found in the registry (404)"
    if code in (401, 403):
        host = reference.split("/")[0] if reference and "/" in reference else "the registry"
        return (
            f"The registry refused access to {reference or 'the image'} ({code}): it may be "
            f"private (log in to {host} first) or the name may be wrong"
        )
    if code == 429:
        return f"The registry asked to slow down ({code}, too many requests): try again later"
    if code >= 500:
        return f"The registry failed ({code}) while {when}: try again later"
    return f"The registry answered {code} while {when}"


def plain_words(reason: str, argv: Sequence[str]) -> str | None:
    """One sentence for Tart's last error line, or None when it already is one."""
    reference = _reference(argv)
    match = _HTTP.search(reason)
    if match:
        return _http(match, reference)
    match = _AUTH.search(reason)
    if match:
        return f"{_first_up(_host(reference))} refused the login: {match['why']}"
    if "MissingLocationHeader" in reason:
        return f"{_first_up(_host(reference))} gave an incomplete answer (no Location header)"
    match = _URL_CODE.search(reason)
    code = match["code"] if match else None
    if code is None:
        lowered = reason.lower()
        code = next((c for text, c in _URL_TEXT.items() if text in lowered), None)
    if code is not None and code in _URL_ERRORS:
        return _first_up(_URL_ERRORS[code].format(host=_host(reference)))
    if reason.strip() == "IPNotFound()":
        name = argv[-1] if len(argv) > 2 else "the VM"
        return (
            f"{name} got no IP address in time, so Tart's built-in VNC server could not start "
            "(it waits 60 s for one)"
        )
    return None


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]
