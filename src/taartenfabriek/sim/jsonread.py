"""A small strict JSON reader: parsing config.json must not import `json` (which imports `re`).

Handles the whole JSON grammar (RFC 8259): objects, arrays, strings with every escape
including surrogate pairs, numbers, true/false/null. Imports nothing.
"""

from __future__ import annotations

_WHITESPACE = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_NUMBER_CHARS = frozenset("0123456789+-.eE")


class JSONError(ValueError):
    """The text is not valid JSON."""


class _Reader:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> JSONError:
        return JSONError(f"{what} at character {self.pos}")

    def skip(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos

    def value(self) -> object:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end")
        char = self.text[self.pos]
        if char == "{":
            return self.read_object()
        if char == "[":
            return self.read_array()
        if char == '"':
            return self.string()
        for word, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return result
        return self.number()

    def read_object(self) -> dict[str, object]:
        self.pos += 1
        result: dict[str, object] = {}
        self.skip()
        if self.text[self.pos : self.pos + 1] == "}":
            self.pos += 1
            return result
        while True:
            self.skip()
            if self.text[self.pos : self.pos + 1] != '"':
                raise self.fail("expected a key")
            key = self.string()
            self.skip()
            if self.text[self.pos : self.pos + 1] != ":":
                raise self.fail("expected ':'")
            self.pos += 1
            result[key] = self.value()
            self.skip()
            separator = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if separator == "}":
                return result
            if separator != ",":
                raise self.fail("expected ',' or '}'")

    def read_array(self) -> list[object]:
        self.pos += 1
        result: list[object] = []
        self.skip()
        if self.text[self.pos : self.pos + 1] == "]":
            self.pos += 1
            return result
        while True:
            result.append(self.value())
            self.skip()
            separator = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if separator == "]":
                return result
            if separator != ",":
                raise self.fail("expected ',' or ']'")

    def string(self) -> str:
        text = self.text
        pos = self.pos + 1
        parts: list[str] = []
        while True:
            quote = text.find('"', pos)
            backslash = text.find("\\", pos, quote if quote >= 0 else len(text))
            if quote < 0:
                raise self.fail("unterminated string")
            if backslash < 0:
                chunk = text[pos:quote]
                if any(ord(c) < 0x20 for c in chunk):
                    raise self.fail("control character in string")
                parts.append(chunk)
                self.pos = quote + 1
                return "".join(parts)
            parts.append(text[pos:backslash])
            escape = text[backslash + 1 : backslash + 2]
            if escape == "u":
                code, pos = self._unicode(backslash + 2)
                parts.append(code)
            elif escape in _ESCAPES:
                parts.append(_ESCAPES[escape])
                pos = backslash + 2
            else:
                self.pos = backslash
                raise self.fail("invalid escape")

    def _unicode(self, pos: int) -> tuple[str, int]:
        digits = self.text[pos : pos + 4]
        if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise self.fail("invalid \\u escape")
        code = int(digits, 16)
        pos += 4
        if 0xD800 <= code < 0xDC00 and self.text[pos : pos + 2] == "\\u":
            low_digits = self.text[pos + 2 : pos + 6]
            if len(low_digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in low_digits):
                low = int(low_digits, 16)
                if 0xDC00 <= low < 0xE000:
                    return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), pos + 6
        return chr(code), pos

    def number(self) -> int | float:
        text, start = self.text, self.pos
        end = start
        while end < len(text) and text[end] in _NUMBER_CHARS:
            end += 1
        token = text[start:end]
        body = token[1:] if token.startswith("-") else token
        integral = body.split(".", 1)[0].split("e", 1)[0].split("E", 1)[0]
        if not integral.isdigit() or (len(integral) > 1 and integral[0] == "0"):
            raise self.fail("invalid number")
        self.pos = end
        try:
            if any(c in token for c in ".eE"):
                return float(token)
            return int(token)
        except ValueError:
            raise self.fail("invalid number") from None


def loads(data: str | bytes) -> object:
    """Parse one JSON document."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = _Reader(text)
    result = reader.value()
    reader.skip()
    if reader.pos != len(text):
        raise reader.fail("extra data")
    return result
