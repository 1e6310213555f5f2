"""Render the app icons (PNG) that browsers ask for from one SVG drawing, with Chromium.

Run after changing the drawing: `uv run python packaging/make_icons.py`; the PNGs are committed
(the wheel ships them; nothing renders at run time). Chromium, not Pillow: the project already
drives Debian's Chromium for its browser tests, and it renders the SVG exactly as the favicon
is shown, with no second drawing to keep in step.

- `icon-<n>.png`: the favicon's rounded square on transparency ("any"): 192 and 512 are
  what Chrome's install needs, 32 a sharp tab icon for browsers that skip SVG favicons;
- `maskable-<n>.png`: full-bleed background, the glyph inside the central 80 % circle that
  every platform mask keeps (https://www.w3.org/TR/appmanifest/#icon-masks);
- `apple-touch-icon.png` (180): opaque, as Safari's "Add to Dock" rounds it itself.
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "src" / "taartenfabriek" / "web" / "static" / "app"
ICONS = APP / "icons"
CHROMIUM = os.environ.get("TARTVM_TEST_CHROMIUM", "/usr/bin/chromium")

ACCENT = "#4f46e5"
GLYPH = (
    '<path d="M7 19.5 16 9l9 10.5v3.5H7z" fill="#fff" opacity=".95"/>'
    f'<path d="M7 19.5h18" stroke="{ACCENT}" stroke-width="2"/>'
    '<circle cx="16" cy="7" r="2" fill="#fbbf24"/>'
)
"""favicon.svg's drawing on its 32 x 32 grid, without the background."""


def full_bleed(scale: float) -> str:
    """The glyph centred on an opaque square, shrunk by `scale` around the centre."""
    # the glyph spans y 5..23 and x 7..25: centre it at (16, 16) before scaling
    move = f"translate(16 16) scale({scale}) translate(-16 -14)"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" fill="{ACCENT}"/><g transform="{move}">{GLYPH}</g></svg>'
    )


def targets() -> dict[str, tuple[str, int]]:
    favicon = (APP / "favicon.svg").read_text()
    return {
        "icon-32.png": (favicon, 32),
        "icon-192.png": (favicon, 192),
        "icon-512.png": (favicon, 512),
        # the glyph's 18-unit height fits the safe circle (radius 12.8 of 16) at 0.8
        "maskable-192.png": (full_bleed(0.8), 192),
        "maskable-512.png": (full_bleed(0.8), 512),
        "apple-touch-icon.png": (full_bleed(0.9), 180),
    }


def main() -> int:
    from playwright.sync_api import sync_playwright

    ICONS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page(device_scale_factor=1)
        for name, (svg, size) in targets().items():
            data = base64.b64encode(svg.encode()).decode()
            page.set_viewport_size({"width": size, "height": size})
            page.set_content(
                '<body style="margin:0;background:transparent">'
                f'<img src="data:image/svg+xml;base64,{data}" width="{size}" height="{size}"'
                ' style="display:block"></body>'
            )
            page.wait_for_function("document.images[0].complete")
            page.screenshot(
                path=str(ICONS / name),
                omit_background=True,
                clip={"x": 0, "y": 0, "width": size, "height": size},
            )
            print(f"{name}: {size} x {size}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
