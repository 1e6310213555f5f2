"""The web app manifest, so Chrome's "Install" and Safari's "Add to Dock" make the UI an app
with a Dock icon and a window of its own.

The start URL is `/` and never carries the token: the manifest is public (browsers fetch it
without our header) and an installed app is launched from the manifest, not from the launch URL.
The app window shares the browser's storage for this origin (Chrome), so the token the launch
URL left there is found as in a tab; where it does not (Safari's Dock apps keep their own
storage), the page asks for the token or the launch URL once, as a new tab would.
"""

from __future__ import annotations

import json
from typing import Any

from .pages import BASE_HEADERS, Page, asset_url, csp

PATH = "/manifest.webmanifest"
MEDIA_TYPE = "application/manifest+json"

THEME = {"light": "#ffffff", "dark": "#141417"}
"""The top bar's colour (app.css `--surface`) per colour scheme: the app window's title bar
matches the page. The manifest holds one value (light); the page's `theme-color` meta elements
give both, with a media query each."""
BACKGROUND = "#f7f7f8"
"""app.css `--bg` (light): the splash colour before the page paints."""

ICONS = (
    ("app/icons/icon-192.png", 192, "any"),
    ("app/icons/icon-512.png", 512, "any"),
    ("app/icons/maskable-192.png", 192, "maskable"),
    ("app/icons/maskable-512.png", 512, "maskable"),
)
"""Chrome needs 192 and 512 px to install; maskable ones fill the platform's shape."""
APPLE_TOUCH_ICON = "app/icons/apple-touch-icon.png"
SMALL_ICON = "app/icons/icon-32.png"


def manifest(versions: dict[str, str]) -> dict[str, Any]:
    icons: list[dict[str, str]] = [
        {
            "src": asset_url(path, versions),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }
        for path, size, purpose in ICONS
    ]
    icons.append(
        {
            "src": asset_url("app/favicon.svg", versions),
            "sizes": "any",
            "type": "image/svg+xml",
            "purpose": "any",
        }
    )
    return {
        "id": "/",
        "name": "de taartenfabriek",
        "short_name": "Taartenfabriek",
        "description": "Manage Tart virtual machines on this Mac or an Orchard fleet.",
        "lang": "en",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME["light"],
        "background_color": BACKGROUND,
        "categories": ["developer", "utilities"],
        "icons": icons,
    }


def render_manifest(versions: dict[str, str]) -> Page:
    body = json.dumps(manifest(versions), indent=1, ensure_ascii=False).encode()
    # Same strict headers and policy as the pages; a JSON file runs nothing, the policy is
    # there so no response of this server goes without one.
    headers = {**BASE_HEADERS, "Content-Security-Policy": csp()}
    return Page(body, headers)


def head_elements(versions: dict[str, str]) -> str:
    """The <head> elements that point at the manifest and its colours and icons."""
    return "\n".join(
        (
            f'<link rel="manifest" href="{PATH}">',
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
