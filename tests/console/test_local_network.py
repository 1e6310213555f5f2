"""Issue 16.11: a guest IP that does not answer (no route, a timeout) is explained with macOS
15's Local Network permission and Tart's FAQ workaround (Tart docs/faq.md:80-93)."""

from __future__ import annotations

import errno

import pytest

from taartenfabriek.console.endpoints import local_network_advice


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.EHOSTUNREACH, "No route to host"),
        OSError(errno.ENETUNREACH, "Network is unreachable"),
        TimeoutError(),
    ],
)
def test_unreachable_guests_get_the_local_network_advice(exc: BaseException) -> None:
    advice = local_network_advice(exc, "192.168.64.5:5900")
    assert advice is not None
    assert "192.168.64.5:5900" in advice and "Local Network" in advice
    assert "AllowedEthernetLocalNetworkAddresses" in advice


def test_a_refused_connection_is_something_else() -> None:
    refused = OSError(errno.ECONNREFUSED, "Connection refused")
    assert local_network_advice(refused, "192.168.64.5:5900") is None
