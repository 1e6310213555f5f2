"""The UI shell (web/pages.py): the modulepreload list, and the inline scripts' CSP hashes.

The preload list is generated from the modules' imports; these tests check it against a
second, deliberately broader reading of the same files, so that a module the page needs for
its first screen can never be missing from it (it would then load one import level late).
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from taartenfabriek.web import pages

# Any `from '...'` or `import '...'` anywhere in a file, comments and strings included: a
# false positive fails the test (reword the comment), a missed import cannot slip through.
ANY_STATIC_IMPORT = re.compile(r"""(?<!['"])\b(?:from|import)\s*['"]([^'"]+)['"]""")
"""Loose on purpose (any static import form), but not the word inside a string: 'import'."""


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.preloads: list[str] = []
        self.module_scripts: list[str] = []
        self.inline_scripts: list[str] = []
        self._inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "modulepreload":
            self.preloads.append(_path(values["href"] or ""))
        elif tag == "script" and values.get("src"):
            self.module_scripts.append(_path(values["src"] or ""))
        elif tag == "script":
            self._inline = True
            self.inline_scripts.append("")

    def handle_data(self, data: str) -> None:
        if self._inline:
            self.inline_scripts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inline = False


def _path(url: str) -> str:
    """`/static/app/x.js?v=abc` -> `app/x.js`."""
    return urlsplit(url).path.removeprefix("/static/")


def _head() -> _Head:
    head = _Head()
    head.feed(pages.render_index().body.decode())
    return head


def _imports(relative: str) -> set[str]:
    text = (pages.STATIC / relative).read_text()
    found = set()
    for specifier in ANY_STATIC_IMPORT.findall(text):
        if specifier.startswith("."):
            target = PurePosixPath(relative).parent / specifier
            parts: list[str] = []
            for part in target.parts:
                if part == "..":
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            found.add("/".join(parts))
        else:
            found.add(pages.VENDOR_MODULES[specifier])
    return found


def test_every_module_of_the_first_screen_is_preloaded() -> None:
    head = _head()
    assert head.module_scripts == ["app/early.js", "app/main.js"]
    graph: set[str] = set()
    todo = list(head.module_scripts)
    while todo:
        module = todo.pop()
        if module not in graph:
            graph.add(module)
            todo.extend(_imports(module))
    assert sorted(head.preloads) == sorted(graph)
    assert len(head.preloads) == len(set(head.preloads))


def test_views_loaded_on_first_use_are_not_preloaded() -> None:
    preloads = set(_head().preloads)
    for view in ("detail.js", "settings.js", "create.js", "token.js", "startvm.js"):
        assert f"app/views/{view}" not in preloads
    assert "app/views/inventory.js" in preloads


def test_the_boot_requests_modules_are_asked_for_first() -> None:
    # early.js sends the token check and /api/vms when the page was not opened with the
    # launch URL: it and its two imports come before the rest of the app.
    assert _head().preloads[:3] == ["app/early.js", "app/api.js", "app/token.js"]


def test_inline_scripts_run_by_hash_only() -> None:
    page = pages.render_index()
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    script_src = re.search(r"script-src ([^;]+);", policy)
    assert script_src is not None
    allowed = set(script_src.group(1).split())
    inline = _head().inline_scripts
    assert len(inline) == 2  # the import map and boot.js
    for text in inline:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed
    assert len(allowed) == 3  # 'self' and the two hashes
