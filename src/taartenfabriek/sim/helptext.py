"""Help texts (`tart --help`, `tart <sub> --help`) in swift-argument-parser's layout.

Imported only when help is asked for. Imports `argspec`.
"""

from __future__ import annotations

from .argspec import Spec


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def _section(rows: list[tuple[str, str]]) -> list[str]:
    lines = []
    for label, text in rows:
        wrapped = _wrap(text, 54)
        if len(label) > 22:
            lines.append(f"  {label}")
            lines.extend(" " * 26 + chunk for chunk in wrapped)
        else:
            lines.append(f"  {label.ljust(24)}{wrapped[0]}".rstrip())
            lines.extend(" " * 26 + chunk for chunk in wrapped[1:])
    return lines


def help_text(spec: Spec) -> str:
    lines = [f"OVERVIEW: {spec.abstract}", ""]
    if spec.discussion:
        lines += [*_wrap(spec.discussion, 80), ""]
    lines += [f"USAGE: {spec.usage()}", ""]
    arguments = [(p.synopsis(bracket=False), p.help) for p in spec.params if p.kind == "arg"]
    if arguments:
        lines += ["ARGUMENTS:", *_section(arguments), ""]
    options: list[tuple[str, str]] = []
    for param in spec.params:
        if param.kind == "arg" or param.hidden:
            continue
        names = ", ".join(n for n in (f"-{param.short}" if param.short else "", param.long) if n)
        label = names if param.kind == "flag" else f"{names} <{param.value_name}>"
        text = param.help
        extras = []
        if param.choices:
            extras.append("values: " + ", ".join(param.choices))
        if param.kind == "opt" and param.default not in (None, [], ""):
            extras.append(f"default: {param.default}")
        if extras:
            text += f" ({'; '.join(extras)})"
        options.append((label, text))
    options.append(("-h, --help", "Show help information."))
    lines += ["OPTIONS:", *_section(options), ""]
    return "\n".join(lines)


def root_help(commands: list[tuple[str, str]]) -> str:
    lines = ["USAGE: tart <subcommand>", "", "OPTIONS:"]
    lines += _section(
        [("--version", "Show the version."), ("-h, --help", "Show help information.")]
    )
    lines += ["", "SUBCOMMANDS:", *_section(commands), ""]
    lines += ["  See 'tart help <subcommand>' for detailed help.", ""]
    return "\n".join(lines)
