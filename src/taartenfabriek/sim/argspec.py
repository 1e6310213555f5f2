"""A small swift-argument-parser look-alike: specs, parsing and usage lines (help: helptext).

Reproduces the 1.6.1 messages Tart users see (`Unknown option '--x'`, `Missing expected
argument '<name>'`, `The value 'x' is invalid for '--format <format>'. Please provide one of
'text' and 'json'.`, the `Help:` line, the `Usage:` synopsis with `[<options>]` past 12
arguments). Imports only `errors`.
"""

from __future__ import annotations

from .errors import HelpRequested, ParseError

_UINT_MAX = {"uint16": 0xFFFF, "uint64": 0xFFFFFFFFFFFFFFFF, "uint": 0xFFFFFFFFFFFFFFFF}


class Param:
    """One declared argument: a positional (`arg`), an option (`opt`) or a flag."""

    __slots__ = (
        "choices",
        "default",
        "dest",
        "help",
        "hidden",
        "kind",
        "long",
        "optional",
        "passthrough",
        "repeating",
        "short",
        "store",
        "type",
        "value_name",
    )

    def __init__(
        self,
        kind: str,
        dest: str,
        *,
        long: str | None = None,
        short: str | None = None,
        value_name: str = "",
        help: str = "",
        type: str = "str",
        choices: tuple[str, ...] = (),
        default: object = None,
        optional: bool | None = None,
        repeating: bool = False,
        passthrough: bool = False,
        hidden: bool = False,
        store: object = True,
    ) -> None:
        self.kind = kind
        self.dest = dest
        self.long = long
        self.short = short
        self.value_name = value_name or dest.replace("_", "-")
        self.help = help
        self.type = type
        self.choices = choices
        self.default = default
        self.repeating = repeating
        self.passthrough = passthrough
        self.hidden = hidden
        self.store = store
        if optional is None:
            optional = kind != "arg" or default is not None
        self.optional = optional

    @property
    def name(self) -> str:
        """The preferred name shown in synopses: the long name, else the short one."""
        if self.long:
            return self.long
        return f"-{self.short}" if self.short else f"<{self.value_name}>"

    def unadorned(self) -> str:
        if self.kind == "arg":
            return f"<{self.value_name}>"
        if self.kind == "flag":
            return self.name
        return f"{self.name} <{self.value_name}>"

    def synopsis(self, *, bracket: bool = True) -> str:
        text = self.unadorned()
        if self.repeating:
            text += " ..."
        if bracket and self.optional:
            text = f"[{text}]"
        return text


def arg(dest: str, help: str = "", **kwargs: object) -> Param:
    return Param("arg", dest, help=help, **kwargs)  # type: ignore[arg-type]


def opt(long: str, help: str = "", **kwargs: object) -> Param:
    dest = str(kwargs.pop("dest", long.lstrip("-").replace("-", "_")))
    return Param("opt", dest, long=long, help=help, **kwargs)  # type: ignore[arg-type]


def flag(long: str | None, help: str = "", **kwargs: object) -> Param:
    name = long or "-" + str(kwargs.get("short"))
    dest = str(kwargs.pop("dest", name.lstrip("-").replace("-", "_")))
    kwargs.setdefault("default", False)
    return Param("flag", dest, long=long, help=help, **kwargs)  # type: ignore[arg-type]


class Spec:
    """A subcommand: its name, abstract and arguments in declaration order."""

    __slots__ = ("abstract", "discussion", "name", "params")

    def __init__(self, name: str, abstract: str, params: list[Param], discussion: str = "") -> None:
        self.name = name
        self.abstract = abstract
        self.params = params
        self.discussion = discussion

    def usage(self) -> str:
        """The synopsis after `Usage: ` (HelpGenerator.usage)."""
        tool = f"tart {self.name}"
        shown = [p for p in self.params if not p.hidden]
        if not shown:
            return tool
        if len(shown) > 12:
            kept = [p for p in shown if p.kind == "arg" or not p.optional]
            if kept and len(kept) <= 12:
                return f"{tool} [<options>] " + " ".join(p.synopsis() for p in kept)
            return f"{tool} <options>"
        return f"{tool} " + " ".join(p.synopsis() for p in shown)

    def usage_block(self) -> str:
        return f"Usage: {self.usage()}\n  See 'tart {self.name} --help' for more information."


class Namespace:
    """Parsed values, one attribute per `dest`."""

    def __init__(self, values: dict[str, object]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> object:  # pragma: no cover - typo guard
        raise AttributeError(name)

    def __setattr__(self, name: str, value: object) -> None:
        self.__dict__[name] = value


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost))
        previous = current
    return previous[-1]


def _unknown_option(spec: Spec, name: str) -> ParseError:
    if not name.startswith("--"):
        return ParseError(f"Unknown option '{name}'")
    best: tuple[int, str] | None = None
    for param in spec.params:
        if param.hidden or not param.long:
            continue
        distance = _edit_distance(param.long, name)
        if distance < 4 and (best is None or distance < best[0]):
            best = (distance, param.long)
    if best is not None:
        return ParseError(f"Unknown option '{name}'. Did you mean '{best[1]}'?")
    return ParseError(f"Unknown option '{name}'")


def _help_line(param: Param, used_name: str | None) -> str:
    if not param.help:
        return ""
    label = f"<{param.value_name}>"
    if used_name is not None:
        label = f"{used_name} {label}"
    return f"{label}  {param.help}"


def _invalid(param: Param, used_name: str | None, value: str) -> ParseError:
    target = f"<{param.value_name}>" if used_name is None else f"{used_name} <{param.value_name}>"
    suffix = ""
    if param.choices:
        quoted = [f"'{choice}'" for choice in param.choices]
        joined = (
            " and ".join(quoted)
            if len(quoted) <= 2
            else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
        )
        suffix = f". Please provide one of {joined}."
    return ParseError(
        f"The value '{value}' is invalid for '{target}'{suffix}", _help_line(param, used_name)
    )


def _convert(param: Param, used_name: str | None, value: str) -> object:
    if param.type in _UINT_MAX:
        digits = value[1:] if value.startswith("+") else value
        if not digits.isascii() or not digits.isdigit() or int(digits) > _UINT_MAX[param.type]:
            raise _invalid(param, used_name, value)
        return int(digits)
    if param.type == "choice":
        if value not in param.choices:
            raise _invalid(param, used_name, value)
    elif param.type == "ichoice":
        if value.lower() not in param.choices:
            raise _invalid(param, used_name, value)
        return value.lower()
    return value


def _looks_like_option(token: str) -> bool:
    return token.startswith("-") and len(token) > 1


def parse(spec: Spec, tokens: list[str]) -> Namespace:
    """Parse `tokens` (the arguments after the subcommand) against `spec`."""
    values: dict[str, object] = {}
    for param in spec.params:
        values.setdefault(param.dest, [] if param.repeating else param.default)
    by_long = {p.long: p for p in spec.params if p.long}
    by_short = {p.short: p for p in spec.params if p.short}
    positional_params = [p for p in spec.params if p.kind == "arg"]
    # Only a passthrough argument (exec's command) swallows what follows it; without one,
    # options may come after any number of values of a repeating argument (push's names).
    passthrough_at = next(
        (i for i, p in enumerate(positional_params) if p.passthrough), len(tokens) + 1
    )
    positionals: list[str] = []

    def store(param: Param, used: str, raw: str | None) -> None:
        if param.kind == "flag":
            values[param.dest] = param.store
            return
        assert raw is not None
        converted = _convert(param, used, raw)
        if param.repeating:
            current = values[param.dest]
            assert isinstance(current, list)
            current.append(converted)
        else:
            values[param.dest] = converted

    def take_value(param: Param, used: str, index: int) -> int:
        if index + 1 >= len(tokens) or _looks_like_option(tokens[index + 1]):
            raise ParseError(
                f"Missing value for '{used} <{param.value_name}>'", _help_line(param, used)
            )
        store(param, used, tokens[index + 1])
        return index + 1

    index = 0
    literal = False
    while index < len(tokens):
        token = tokens[index]
        if literal or len(positionals) >= passthrough_at:
            positionals.append(token)
        elif token == "--":
            literal = True
        elif token.startswith("--") and len(token) > 2:
            name, equals, raw = token.partition("=")
            if name == "--help":
                raise HelpRequested()
            long_param = by_long.get(name)
            if long_param is None:
                raise _unknown_option(spec, name)
            if long_param.kind == "flag":
                if equals:
                    raise ParseError(
                        f"The option '{name}' does not take any value, but '{raw}' was specified."
                    )
                store(long_param, name, None)
            elif equals:
                store(long_param, name, raw)
            else:
                index = take_value(long_param, name, index)
        elif _looks_like_option(token):
            letters = token[1:]
            if "h" in letters and all(c in by_short or c == "h" for c in letters):
                raise HelpRequested()
            short_name, equals, raw = token.partition("=")
            if equals and len(short_name) == 2 and short_name[1] in by_short:
                param = by_short[short_name[1]]
                if param.kind == "flag":
                    raise ParseError(
                        f"The option '{short_name}' does not take any value, "
                        f"but '{raw}' was specified."
                    )
                store(param, short_name, raw)
            else:
                for position, letter in enumerate(letters):
                    short_param = by_short.get(letter)
                    if short_param is None:
                        raise ParseError(f"Unknown option '-{letter}'")
                    if short_param.kind == "flag":
                        store(short_param, f"-{letter}", None)
                    elif position == len(letters) - 1:
                        index = take_value(short_param, f"-{letter}", index)
                    else:
                        store(short_param, f"-{letter}", letters[position + 1 :])
                        break
        else:
            positionals.append(token)
        index += 1

    remaining = list(positionals)
    for param in positional_params:
        if param.repeating:
            taken, remaining = remaining, []
            if not taken and not param.optional:
                raise _missing(param)
            values[param.dest] = [_convert(param, None, item) for item in taken]
        elif remaining:
            values[param.dest] = _convert(param, None, remaining.pop(0))
        elif not param.optional:
            raise _missing(param)
    if len(remaining) == 1:
        raise ParseError(f"Unexpected argument '{remaining[0]}'")
    if remaining:
        quoted = "', '".join(remaining)
        raise ParseError(f"{len(remaining)} unexpected arguments: '{quoted}'")
    return Namespace(values)


def _missing(param: Param) -> ParseError:
    return ParseError(
        f"Missing expected argument '{param.synopsis(bracket=False)}'", _help_line(param, None)
    )
