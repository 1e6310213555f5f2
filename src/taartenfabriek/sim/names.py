"""The OCI remote-name grammar of Tart (§4): `host[:port]/namespace[:tag|@sha256:hex]`.

A hand-written equivalent of Tart's ANTLR grammar. Anything that parses is a *remote* name;
everything else is a local VM name. Imports nothing.
"""

from __future__ import annotations

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SEPARATORS = frozenset("._-")
_ALLOWED = _ALNUM | _SEPARATORS | frozenset("/:@")


class RemoteNameError(Exception):
    """The name does not match the grammar; `str()` is Tart's message after the prefix."""


class RemoteName:
    """A parsed remote name. Exactly one of `tag` and `digest` (`sha256:<hex>`) is set."""

    __slots__ = ("digest", "host", "namespace", "tag")

    def __init__(
        self, host: str, namespace: str, tag: str | None = None, digest: str | None = None
    ) -> None:
        self.host = host
        self.namespace = namespace
        self.tag = tag if tag is not None or digest is not None else "latest"
        self.digest = digest

    @property
    def repository(self) -> str:
        return f"{self.host}/{self.namespace}"

    @property
    def reference(self) -> str:
        """The last path component in the OCI cache: the tag or `sha256:<hex>`."""
        return self.digest if self.digest is not None else str(self.tag)

    def with_digest(self, digest: str) -> RemoteName:
        return RemoteName(self.host, self.namespace, digest=digest)

    def __str__(self) -> str:
        if self.digest is not None:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}"

    def __repr__(self) -> str:
        return f"RemoteName({self})"


def _fail(message: str, position: int) -> RemoteNameError:
    return RemoteNameError(f"{message} (character {position})")


def _token(text: str, position: int) -> str:
    return "'<EOF>'" if position >= len(text) else f"'{text[position]}'"


def _alnum_run(text: str, position: int) -> int:
    while position < len(text) and text[position] in _ALNUM:
        position += 1
    return position


def _host(text: str, position: int) -> int:
    # host: component ('.' component)*; component: alnum+ ('-' alnum+)*
    while True:
        end = _alnum_run(text, position)
        if end == position:
            raise _fail(f"mismatched input {_token(text, position)} expecting LETTER", position)
        position = end
        joined = (
            position + 1 < len(text) and text[position] in "-." and text[position + 1] in _ALNUM
        )
        if not joined:
            return position
        position += 1


def _namespace_component(text: str, position: int) -> int:
    # component: (alnum+ separator?)+
    start = position
    while position < len(text) and text[position] in _ALNUM:
        position = _alnum_run(text, position)
        if position < len(text) and text[position] in _SEPARATORS:
            position += 1
    if position == start:
        raise _fail(f"mismatched input {_token(text, position)} expecting LETTER", position)
    return position


def parse(text: str) -> RemoteName:
    """Parse `text` or raise RemoteNameError."""
    for index, char in enumerate(text):
        if char not in _ALLOWED:
            raise _fail(f"token recognition error at: '{char}'", index)
    position = _host(text, 0)
    host = text[:position]
    if position < len(text) and text[position] == ":":
        port_end = position + 1
        while port_end < len(text) and text[port_end].isdigit():
            port_end += 1
        if port_end == position + 1:
            raise _fail(f"mismatched input {_token(text, port_end)} expecting DIGIT", port_end)
        host = text[:port_end]
        position = port_end
    if position >= len(text) or text[position] != "/":
        raise _fail(f"mismatched input {_token(text, position)} expecting '/'", position)
    position += 1
    namespace_start = position
    while True:
        position = _namespace_component(text, position)
        if position < len(text) and text[position] == "/":
            position += 1
            continue
        break
    namespace = text[namespace_start:position]
    if position == len(text):
        return RemoteName(host, namespace)
    if text[position] == ":":
        tag_start = position + 1
        position = tag_start
        while True:
            end = _alnum_run(text, position)
            if end == position:
                raise _fail(f"mismatched input {_token(text, position)} expecting LETTER", end)
            position = end
            separated = position + 1 < len(text) and text[position] in _SEPARATORS
            if not (separated and text[position + 1] in _ALNUM):
                break
            position += 1
        if position != len(text):
            raise _fail(f"extraneous input {_token(text, position)} expecting <EOF>", position)
        return RemoteName(host, namespace, tag=text[tag_start:])
    if text[position] == "@":
        algorithm, colon, value = text[position + 1 :].partition(":")
        if not colon or algorithm != "sha256":
            raise RemoteNameError("unknown reference format")
        if not value or any(char not in _ALNUM for char in value):
            bad = position + 1 + len(algorithm) + 1
            bad += next((i for i, c in enumerate(value) if c not in _ALNUM), len(value))
            raise _fail(f"mismatched input {_token(text, bad)} expecting LETTER", bad)
        return RemoteName(host, namespace, digest=f"sha256:{value}")
    raise _fail(f"extraneous input {_token(text, position)} expecting <EOF>", position)


def try_parse(text: str) -> RemoteName | None:
    """The remote name `text` denotes, or None when it is a local name."""
    try:
        return parse(text)
    except RemoteNameError:
        return None


def encode_host(host: str) -> str:
    """The OCI cache directory name of a host: `:` percent-encoded."""
    return host.replace(":", "%3A")


def decode_host(directory: str) -> str:
    return directory.replace("%3A", ":").replace("%3a", ":")
