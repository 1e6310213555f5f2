"""Tart's raw registry and network errors become one sentence (tart/words.py); what Tart
already says in words is left alone."""

from __future__ import annotations

import pytest

from taartenfabriek.tart.runner import RunResult, describe_failure
from taartenfabriek.tart.words import plain_words

PULL = ["tart", "pull", "ghcr.io/acme/nothing:1.0"]
BODY = (
    '{\\"errors\\":[{\\"code\\":\\"NAME_UNKNOWN\\",\\"message\\":\\"repository name not known\\"}]}'
)


def _failed(stderr: str, argv: list[str] = PULL) -> str:
    return describe_failure(RunResult(argv=argv, exit_code=1, stderr=stderr, stdout="", duration=0))


def test_a_missing_image_is_named_with_its_404() -> None:
    raw = (
        f'Error: UnexpectedHTTPStatusCode(when: "pulling manifest", code: 404, details: "{BODY}")\n'
    )
    sentence = _failed(raw)
    assert sentence == (
        "Image ghcr.io/acme/nothing:1.0 was not found in the registry (404): no repository "
        "has that name"
    )
    assert "UnexpectedHTTPStatusCode" not in sentence and "\n" not in sentence


def test_a_missing_tag_says_so() -> None:
    raw = (
        'UnexpectedHTTPStatusCode(when: "pulling manifest", code: 404, details: "MANIFEST_UNKNOWN")'
    )
    assert "no such tag or digest" in str(plain_words(raw, PULL))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('UnexpectedHTTPStatusCode(when: "pulling manifest", code: 401, details: "")', "(401)"),
        ('UnexpectedHTTPStatusCode(when: "pulling blob", code: 503, details: "")', "failed (503)"),
        ('UnexpectedHTTPStatusCode(when: "doing ping", code: 429)', "too many requests"),
        ('AuthFailed(why: "invalid username/password", details: "")', "refused the login"),
        (
            'Error Domain=NSURLErrorDomain Code=-1009 "The Internet connection appears to be '
            'offline." UserInfo={...}',
            "The registry ghcr.io could not be reached: this Mac appears to be offline",
        ),
        ("A server with the specified hostname could not be found.", "no such host name"),
    ],
)
def test_registry_and_network_errors_in_words(raw: str, expected: str) -> None:
    sentence = plain_words(raw, PULL)
    assert sentence is not None and expected in sentence
    assert "Error Domain" not in sentence and "(when:" not in sentence


def test_tarts_own_sentences_are_kept() -> None:
    assert plain_words('VM "dev" is running', ["tart", "set", "dev"]) is None
    assert _failed('Error: VM "dev" is running\n', ["tart", "set", "dev"]) == (
        'tart set failed: VM "dev" is running'
    )
    assert plain_words('the specified VM "ghost" does not exist', ["tart", "get", "ghost"]) is None
