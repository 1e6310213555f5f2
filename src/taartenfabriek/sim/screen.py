"""What the simulated display shows: the VM's name on a plain background, a line of typed keys,
and which areas changed since a client last looked (for incremental updates).

Pixels are kept as R, G, B, 0 bytes, row by row; `rfb` converts them to each client's format.
Imports `font` and the stdlib.
"""

from __future__ import annotations

import collections
import threading

from . import font

Rect = tuple[int, int, int, int]

BACKGROUND = (0x1B, 0x26, 0x3B)
FOREGROUND = (0xF4, 0xF1, 0xEA)
ACCENT = (0xE8, 0x9F, 0x3C)
MUTED = (0x9A, 0xA8, 0xBC)

TITLE_Y = 0.30
PROMPT_Y = 0.66
PROMPT_SCALE = 3


class Framebuffer:
    """The simulated screen: R, G, B, 0 bytes per pixel, and which areas changed when."""

    def __init__(self, width: int, height: int, title: str) -> None:
        self.width = width
        self.height = height
        self.title = title
        self.lock = threading.Lock()
        self.version = 0
        self.changes: collections.deque[tuple[int, Rect]] = collections.deque(maxlen=32)
        self.typed = ""
        self.pixels = bytearray(bytes((*BACKGROUND, 0)) * (width * height))
        self._draw_all()

    # --- drawing ------------------------------------------------------------------------

    def fill(self, rect: Rect, colour: tuple[int, int, int]) -> None:
        x, y, w, h = clip(rect, self.width, self.height)
        row = bytes((*colour, 0)) * w
        for line in range(y, y + h):
            start = (line * self.width + x) * 4
            self.pixels[start : start + w * 4] = row

    def text(self, x: int, y: int, text: str, scale: int, colour: tuple[int, int, int]) -> None:
        for px, py in font.lit_pixels(text):
            self.fill((x + px * scale, y + py * scale, scale, scale), colour)

    def centred(self, y: int, text: str, scale: int, colour: tuple[int, int, int]) -> None:
        self.text((self.width - font.text_width(text, scale)) // 2, y, text, scale, colour)

    def _fit(self, text: str, scale: int, margin: int = 32) -> str:
        room = (self.width - 2 * margin) // (font.ADVANCE * scale)
        return text if len(text) <= room else text[: max(0, room - 3)] + "..."

    def title_scale(self) -> int:
        return max(1, min(10, int(self.width * 0.8) // (font.ADVANCE * max(1, len(self.title)))))

    def _draw_all(self) -> None:
        w, h = self.width, self.height
        self.fill((0, 0, w, h), BACKGROUND)
        self.fill((0, 0, w, max(2, h // 96)), ACCENT)
        scale = self.title_scale()
        title_y = int(h * TITLE_Y)
        self.centred(title_y, self._fit(self.title, scale), scale, FOREGROUND)
        small = 2 if w >= 640 else 1
        below = title_y + font.HEIGHT * scale + 12 * small
        self.centred(below, self._fit(f"tart-sim display, {w}x{h}", small), small, MUTED)
        hint = "keys typed here are echoed below"
        self.centred(int(h * PROMPT_Y) - 16 * small, self._fit(hint, small), small, MUTED)
        self._draw_prompt()

    def prompt_rect(self) -> Rect:
        return (0, int(self.height * PROMPT_Y), self.width, (font.HEIGHT + 2) * PROMPT_SCALE)

    def _draw_prompt(self) -> None:
        x, y, w, h = self.prompt_rect()
        self.fill((x, y, w, h), BACKGROUND)
        line = self._fit("> " + self.typed + "_", PROMPT_SCALE)
        self.text(32, y, line, PROMPT_SCALE, ACCENT)

    # --- changes ------------------------------------------------------------------------

    def key(self, keysym: int) -> None:
        """A key went down: printable ASCII is typed, BackSpace erases, Return clears."""
        with self.lock:
            if 0x20 <= keysym <= 0x7E:
                self.typed = (self.typed + chr(keysym))[-200:]
            elif keysym == 0xFF08:
                self.typed = self.typed[:-1]
            elif keysym in (0xFF0D, 0xFF8D):
                self.typed = ""
            else:
                return
            self._draw_prompt()
            self.version += 1
            self.changes.append((self.version, self.prompt_rect()))

    def changed_since(self, version: int) -> Rect | None:
        """The bounding box of everything drawn after `version` (None: nothing)."""
        if version >= self.version:
            return None
        if not self.changes or self.changes[0][0] > version + 1:
            return (0, 0, self.width, self.height)
        rects = [rect for v, rect in self.changes if v > version]
        x0 = min(r[0] for r in rects)
        y0 = min(r[1] for r in rects)
        x1 = max(r[0] + r[2] for r in rects)
        y1 = max(r[1] + r[3] for r in rects)
        return (x0, y0, x1 - x0, y1 - y0)

    def region(self, rect: Rect) -> bytes:
        x, y, w, h = rect
        rows = []
        for line in range(y, y + h):
            start = (line * self.width + x) * 4
            rows.append(self.pixels[start : start + w * 4])
        return b"".join(rows)


def clip(rect: Rect, width: int, height: int) -> Rect:
    x, y, w, h = rect
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def intersect(a: Rect, b: Rect) -> Rect:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def display_size(config: dict[str, object]) -> tuple[int, int]:
    """The VM's configured display in pixels, kept to what a framebuffer can sensibly be."""
    display = config.get("display")
    width = height = 0
    if isinstance(display, dict):
        width, height = display.get("width", 0), display.get("height", 0)
    if not isinstance(width, int) or not isinstance(height, int) or width <= 0 or height <= 0:
        width, height = 1024, 768
    return max(320, min(width, 3840)), max(200, min(height, 2160))
