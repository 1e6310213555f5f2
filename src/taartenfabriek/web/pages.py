"""The two HTML pages (the UI shell and the API docs), rendered once at startup.

There is no build step, so cache-busting happens here: every module under `static/app/` gets a
content hash, and the page's import map remaps `/static/app/x.js` to `/static/app/x.js?v=<hash>`.
Relative imports between our modules resolve to the plain URL first and are then remapped, so
one changed file invalidates exactly one cached module. The page's two inline scripts, the
import map and `app/boot.js` (which sends the first requests before any module has loaded), are
allowed by their sha256 in the Content-Security-Policy instead of `'unsafe-inline'`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

STATIC = Path(__file__).parent / "static"
APP = STATIC / "app"
STATIC_URL = "/static"

VENDOR_MODULES = {
    "preact": "vendor/preact-10.29.8.module.js",
    "preact/hooks": "vendor/preact-hooks-10.29.8.module.js",
    "htm": "vendor/htm-3.1.1.module.js",
    "marked": "vendor/marked-18.3.0.module.js",
    "dompurify": "vendor/dompurify-3.5.0.module.js",
}
"""Bare specifiers our modules import; the files carry their version in the name."""

SWAGGER_JS = "vendor/swagger-ui-bundle-5.35.0.js"
SWAGGER_CSS = "vendor/swagger-ui-5.35.0.css"

BASE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def csp(script_hashes: tuple[str, ...] = (), *, inline_styles: bool = False) -> str:
    """A strict policy: our own origin only, no framing, inline code only by hash."""
    scripts = " ".join(("'self'", *(f"'{h}'" for h in script_hashes)))
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


def sha256_source(text: str) -> str:
    """The CSP hash-source of an inline script's exact text."""
    digest = hashlib.sha256(text.encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(relative: str, versions: dict[str, str]) -> str:
    version = versions.get(relative)
    url = f"{STATIC_URL}/{relative}"
    return f"{url}?v={version}" if version else url


def asset_versions() -> dict[str, str]:
    """Content hashes of our own assets, keyed by their path under `static/`."""
    return {
        path.relative_to(STATIC).as_posix(): file_hash(path)
        for path in sorted(APP.rglob("*"))
        if path.is_file()
    }


def import_map(versions: dict[str, str]) -> str:
    imports = {name: f"{STATIC_URL}/{path}" for name, path in VENDOR_MODULES.items()}
    for relative in versions:
        if relative.endswith(".js"):
            imports[f"{STATIC_URL}/{relative}"] = asset_url(relative, versions)
    # `<\/` keeps a name containing `</script>` from ending the element early.
    text = json.dumps({"imports": imports}, separators=(",", ":"), sort_keys=True)
    return text.replace("</", "<\\/")


_STATIC_IMPORT = re.compile(
    r"""(?:^|[;\n])[ \t]*(?:import|export)(?:\s*['"]|\s[^;'"()]*?\bfrom\s*['"])([^'"]+)['"]"""
)
"""`import x from '...'`, `import {a,\n b} from '...'`, `import '...'`, `export * from '...'`,
at the start of a line. Never `import('...')` (a view loaded on first use) or a comment."""

BOOT_ENTRIES = ("app/early.js", "app/main.js")
"""The page's module scripts, in the order index.html runs them."""


def static_imports(relative: str) -> list[str]:
    """The modules `relative` imports statically (paths under static/), in source order."""
    path = STATIC / relative
    found = []
    for specifier in _STATIC_IMPORT.findall(path.read_text()):
        if specifier in VENDOR_MODULES:
            found.append(VENDOR_MODULES[specifier])
        elif specifier.startswith("."):
            found.append((path.parent / specifier).resolve().relative_to(STATIC).as_posix())
        else:
            raise ValueError(f"{relative} imports {specifier!r}, which the import map lacks")
    return found


def eager_modules(entries: tuple[str, ...] = BOOT_ENTRIES) -> list[str]:
    """Every module the entry points import statically, directly or not (paths under static/).

    Listed as `<link rel="modulepreload">`, they download in parallel instead of one import
    level at a time; views loaded with `import()` are left out, as they should load later.
    The order is the browser's: each entry's graph breadth first, `early.js`'s first, so the
    few modules it needs to send the boot requests are the first ones asked for.
    """
    seen: dict[str, None] = {}
    for entry in entries:
        level = [entry]
        while level:
            fresh = [m for m in dict.fromkeys(level) if m not in seen]
            seen.update(dict.fromkeys(fresh))
            level = [imported for module in fresh for imported in static_imports(module)]
    return list(seen)


def inline_script(path: Path) -> str:
    """A script file's text for a `<script>` element; it must not be able to end it early."""
    text = path.read_text()
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError(f"{path.name} cannot be inlined: it contains </script or <!--")
    return text


# --- the web app manifest's <head> elements (manifest.py serves the manifest) -----------

MANIFEST_PATH = "/manifest.webmanifest"
MANIFEST_TYPE = "application/manifest+json"

THEME = {"light": "#ffffff", "dark": "#141417"}
"""The top bar's colour (app.css `--surface`) per colour scheme: the app window's title bar
matches the page. The manifest holds one value (light); the page's `theme-color` meta elements
give both, with a media query each."""
APPLE_TOUCH_ICON = "app/icons/apple-touch-icon.png"
SMALL_ICON = "app/icons/icon-32.png"


def head_elements(versions: dict[str, str]) -> str:
    """The <head> elements that point at the manifest and its colours and icons."""
    return "\n".join(
        (
            f'<link rel="manifest" href="{MANIFEST_PATH}">',
            f'<meta name="theme-color" media="(prefers-color-scheme: light)" '
            f'content="{THEME["light"]}">',
            f'<meta name="theme-color" media="(prefers-color-scheme: dark)" '
            f'content="{THEME["dark"]}">',
            f'<link rel="icon" href="{asset_url(SMALL_ICON, versions)}" sizes="32x32" '
            'type="image/png">',
            f'<link rel="apple-touch-icon" href="{asset_url(APPLE_TOUCH_ICON, versions)}">',
            '<meta name="apple-mobile-web-app-title" content="Taartenfabriek">',
        )
    )


@dataclass(frozen=True)
class Page:
    body: bytes
    headers: dict[str, str]


def render_index(versions: dict[str, str] | None = None) -> Page:
    """The UI shell; it holds no data and never the token (the script reads it from the URL)."""

    versions = asset_versions() if versions is None else versions
    mapping = import_map(versions)
    boot = inline_script(APP / "boot.js")
    template = (STATIC / "index.html").read_text()
    preloads = "\n".join(
        f'<link rel="modulepreload" href="{escape(asset_url(path, versions))}">'
        for path in eager_modules()
    )
    html = (
        template.replace("{{importmap}}", mapping)
        .replace("{{boot}}", boot)
        .replace("{{modulepreload}}", preloads)
        .replace("{{app.css}}", escape(asset_url("app/app.css", versions)))
        .replace("{{early.js}}", escape(asset_url("app/early.js", versions)))
        .replace("{{main.js}}", escape(asset_url("app/main.js", versions)))
        .replace("{{favicon}}", escape(asset_url("app/favicon.svg", versions)))
        .replace("{{manifest}}", head_elements(versions))
    )
    hashes = (sha256_source(mapping), sha256_source(boot))
    headers = {**BASE_HEADERS, "Content-Security-Policy": csp(hashes)}
    return Page(html.encode(), headers)


def render_docs(openapi_url: str, title: str, versions: dict[str, str] | None = None) -> Page:
    """Swagger UI from the vendored bundle (FastAPI's default page loads it from a CDN).

    The start-up code lives in `app/docs.js`, so this page needs no inline script at all;
    Swagger UI sets element styles itself, hence `'unsafe-inline'` for styles on this page only.
    """
    versions = asset_versions() if versions is None else versions
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — API</title>
<link rel="icon" href="{escape(asset_url("app/favicon.svg", versions))}" type="image/svg+xml">
<link rel="stylesheet" href="{STATIC_URL}/{SWAGGER_CSS}">
<link rel="stylesheet" href="{escape(asset_url("app/docs.css", versions))}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{STATIC_URL}/{SWAGGER_JS}"></script>
<script src="{escape(asset_url("app/docs.js", versions))}"></script>
</body>
</html>
"""
    headers = {**BASE_HEADERS, "Content-Security-Policy": csp(inline_styles=True)}
    return Page(body.encode(), headers)
