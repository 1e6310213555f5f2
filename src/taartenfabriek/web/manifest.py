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

from .pages import (
    BASE_HEADERS,
    MANIFEST_PATH,
    MANIFEST_TYPE,
    THEME,
    Page,
    asset_url,
    csp,
)

PATH = MANIFEST_PATH
MEDIA_TYPE = MANIFEST_TYPE

BACKGROUND = "#f7f7f8"
"""app.css `--bg` (light): the splash colour before the page paints."""

ICONS = (
    ("app/icons/icon-192.png", 192, "any"),
    ("app/icons/icon-512.png", 512, "any"),
    ("app/icons/maskable-192.png", 192, "maskable"),
    ("app/icons/maskable-512.png", 512, "maskable"),
)
"""Chrome needs 192 and 512 px to install; maskable ones fill the platform's shape."""


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
