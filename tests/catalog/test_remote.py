"""HTTP helpers: challenges, rate-limit reset times, next links (in-memory responses)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

from taartenfabriek.catalog.registry import parse_challenge
from taartenfabriek.catalog.remote import is_rate_limited, next_link, reset_time


def response(
    status: int, headers: dict[str, str], url: str = "https://ghcr.io/v2/a/b"
) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", url))


def test_parse_bearer_challenge() -> None:
    header = 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"'
    assert parse_challenge(header) == {
        "realm": "https://ghcr.io/token",
        "service": "ghcr.io",
        "scope": "repository:a/b:pull",
    }
    assert parse_challenge('Basic realm="x"') == {}


def test_reset_time_from_github_header_and_retry_after() -> None:
    assert reset_time(response(403, {"x-ratelimit-reset": "1900000000"})) == "2030-03-17T17:46:40Z"
    moment = reset_time(response(429, {"retry-after": "120"}))
    assert moment is not None
    parsed = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(parsed.timestamp() - (time.time() + 120)) < 5
    assert reset_time(response(429, {})) is None


def test_rate_limit_needs_429_or_an_exhausted_403() -> None:
    assert is_rate_limited(response(429, {}))
    assert is_rate_limited(response(403, {"x-ratelimit-remaining": "0"}))
    assert is_rate_limited(response(403, {"retry-after": "60"}))  # GitHub's secondary limit
    assert not is_rate_limited(response(403, {"x-ratelimit-remaining": "4999"}))
    assert not is_rate_limited(response(401, {"x-ratelimit-remaining": "0"}))


def test_next_link_resolves_relative_urls_against_the_request() -> None:
    relative = response(200, {"link": '</v2/a/b/tags/list?n=2&last=x>; rel="next"'})
    assert next_link(relative) == "https://ghcr.io/v2/a/b/tags/list?n=2&last=x"
    github = response(
        200,
        {
            "link": '<https://api.github.com/x?page=2>; rel="next", '
            '<https://api.github.com/x?page=9>; rel="last"'
        },
    )
    assert next_link(github) == "https://api.github.com/x?page=2"
    assert next_link(response(200, {})) is None
