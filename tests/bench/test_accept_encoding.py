"""Which Accept-Encoding values get the prepared gzip body of the hot reads."""

from __future__ import annotations

import pytest

from taartenfabriek.api.reads import _accepts_gzip


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"gzip, deflate, br, zstd", True),  # Chromium
        (b"gzip", True),
        (b"GZIP;q=0.5", True),
        (b"*", True),
        (b"br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        (b"", False),
        (b"identity", False),
        (b"deflate, br", False),
        (b"gzip;q=0", False),
        (b"gzip;q=0.0, identity", False),
        (b"gzip;q=bogus", False),
    ],
)
def test_accepts_gzip(header: bytes, expected: bool) -> None:
    assert _accepts_gzip(header) is expected
