"""Fixtures for the catalog: the fake GitHub + ghcr.io server on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.ghcr_github import FakeServer, FakeState, realistic_state

GOOD_TOKEN = "ghp_fake_good_token_1234"
NO_SCOPE_TOKEN = "ghp_fake_no_scope_5678"


@pytest.fixture
def fake_state() -> FakeState:
    state = realistic_state(GOOD_TOKEN)
    state.no_scope_tokens.add(NO_SCOPE_TOKEN)
    return state


@pytest.fixture
def fake(fake_state: FakeState) -> Iterator[FakeServer]:
    server = FakeServer(fake_state).start()
    yield server
    server.stop()
