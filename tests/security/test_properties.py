"""Property-based attacks on every route, in-process against a recording `tart`.

Generated names, references, numbers and bodies must never produce a server error, and no
argument that tart reads as a VM name may ever start with `-` (it would be parsed as a flag).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from taartenfabriek.core.names import local_name_error, remote_name_error
from tests.security.conftest import InProcess
from tests.security.recording_tart import KNOWN_NAMES, names_in, read_records

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "-rf",
    "--help",
    "-",
    "--",
    "-h",
    "--format=json",
    "--disk-size",
    "-x/y",
    "--dir=/:/host",
    ".",
    "..",
    "../etc",
    "a\nb",
    "a\x00b",
    "a\rb",
    " dev",
    "dev ",
    "DEV",
    "ghcr.io/a/-b",
    "ghcr.io/-a/b",
    "-ghcr.io/a/b",
    "ghcr.io/a/b:-t",
    "ghcr.io/a/b@sha256:-",
    "ghcr.io/a/b\n",
    "categorized",
    "orchard-x",
    "é",
    "%2D",
    "a" * 600,
]

names = st.one_of(
    st.sampled_from(KNOWN_NAMES),
    st.sampled_from(KNOWN_NAMES + NASTY),
    st.text(max_size=40),
    st.from_regex(r"-{1,2}[a-z-]{0,12}", fullmatch=True),
    st.from_regex(
        r"[a-z0-9.-]{1,12}(:[0-9]{1,5})?/[a-z0-9._/-]{1,20}(:[A-Za-z0-9._-]{1,10})?", fullmatch=True
    ),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    names,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


def body_for(fields: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Bodies near the expected shape (so validation passes sometimes) and far from it."""
    shaped = st.fixed_dictionaries(
        {}, optional={key: st.one_of(strategy, json_values) for key, strategy in fields.items()}
    )
    return st.one_of(shaped, json_values)


numbers = st.one_of(st.integers(min_value=-5, max_value=70000), st.integers(), json_scalars)
local_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
references = st.from_regex(
    r"[a-z0-9]{1,8}(\.[a-z0-9]{1,5})?(:[0-9]{1,5})?/[a-z0-9]{1,8}([._-][a-z0-9]{1,5})?"
    r"(/[a-z0-9]{1,8})?(:[A-Za-z0-9]{1,8}|@sha256:[a-f0-9]{8,64})?",
    fullmatch=True,
)
valid_create = st.fixed_dictionaries(
    {
        "name": local_names,
        "source_vm": st.one_of(st.sampled_from(KNOWN_NAMES), references),
        "cpu": st.integers(1, 128),
        "memory": st.integers(1, 1024),
        "disk_size": st.integers(1, 65535),
    }
)

BODIES = {
    "pull": st.one_of(st.fixed_dictionaries({"oci_url": references}), body_for({"oci_url": names})),
    "create": st.one_of(
        valid_create,
        body_for(
            {
                "name": names,
                "source_vm": names,
                "cpu": numbers,
                "memory": numbers,
                "disk_size": numbers,
            }
        ),
    ),
    "clone": st.one_of(
        st.fixed_dictionaries({"new_name": local_names, "start_after_clone": st.booleans()}),
        body_for({"new_name": names, "start_after_clone": st.booleans()}),
    ),
    "github": body_for({"token": st.one_of(st.text(max_size=60), json_scalars)}),
}


def _check(response: Any) -> None:
    event(f"{response.request.method} {response.status_code}")
    assert response.status_code < 500, (response.request.url, response.text)
    if response.status_code >= 400:
        detail = response.json()["detail"]
        assert detail, response.text


def _wait_idle(inproc: InProcess, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while inproc.client.get("/api/tasks/active").json() and time.monotonic() < deadline:
        time.sleep(0.05)


def _assert_no_flag_names(inproc: InProcess) -> None:
    _wait_idle(inproc)
    records = read_records(inproc.records)
    assert records, "the recording tart was never called"
    for argv in records:
        for name in names_in(argv):
            assert not name.startswith("-"), argv
            assert name in KNOWN_NAMES or (
                local_name_error(name) is None or remote_name_error(name) is None
            ), argv


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(
    name=names,
    action=st.sampled_from(["start", "stop", "delete", "config", "get", "clone"]),
    body=st.one_of(st.none(), BODIES["clone"]),
)
def test_vm_routes_never_fail_with_generated_names(
    inproc: InProcess, name: str, action: str, body: Any
) -> None:
    path = "/api/vms/" + quote(name, safe="")
    client = inproc.client
    if action == "get":
        response = client.get(path)
    elif action == "config":
        response = client.get(path + "/config", params={"force_refresh": "true"})
    elif body is None:
        response = client.post(f"{path}/{action}")
    else:
        response = client.post(f"{path}/{action}", json=body)
    _check(response)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(route=st.sampled_from(["pull", "create", "github"]), data=st.data())
def test_body_routes_never_fail_with_generated_bodies(
    inproc: InProcess, route: str, data: st.DataObject
) -> None:
    body = data.draw(BODIES[route])
    path = {
        "pull": "/api/vms/pull",
        "create": "/api/vms/create",
        "github": "/api/settings/github-token",
    }[route]
    response = inproc.client.post(path, json=body)
    _check(response)
    if route == "github" and response.status_code == 200:
        token = str(body.get("token", "")).strip() if isinstance(body, dict) else ""
        assert len(token) <= 12 or token not in response.text
        inproc.client.post(path, json={"token": ""})


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(raw=st.binary(max_size=300), ctype=st.sampled_from(["application/json", "text/plain", ""]))
def test_malformed_bodies_are_client_errors(inproc: InProcess, raw: bytes, ctype: str) -> None:
    for path in ("/api/vms/pull", "/api/vms/create", "/api/vms/dev/clone", "/api/vms/dev/stop"):
        headers = {"Content-Type": ctype} if ctype else {}
        _check(inproc.client.post(path, content=raw, headers=headers))


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(
    task_id=st.text(max_size=40),
    limit=json_scalars,
    offset=json_scalars,
    vm=st.one_of(st.none(), names),
)
def test_task_routes_never_fail(
    inproc: InProcess, task_id: str, limit: Any, offset: Any, vm: Any
) -> None:
    client = inproc.client
    _check(client.get("/api/tasks/" + quote(task_id, safe="")))
    _check(client.post("/api/tasks/" + quote(task_id, safe="") + "/cancel"))
    params = {
        k: str(v) for k, v in (("limit", limit), ("offset", offset), ("vm", vm)) if v is not None
    }
    _check(client.get("/api/tasks", params=params))


@pytest.mark.slow
def test_no_flag_ever_reached_tart(inproc: InProcess) -> None:
    """Runs after the generators above (same module, same recording tart): every recorded
    argv is checked, and the known hostile name `-rf` was really offered to the server."""
    client = inproc.client
    for action in ("start", "delete"):
        response = client.post(f"/api/vms/{quote('-rf', safe='')}/{action}")
        assert response.status_code < 500
    config = client.get("/api/vms/-rf/config")
    assert config.status_code == 422, config.text
    _assert_no_flag_names(inproc)
