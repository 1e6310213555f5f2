"""The server against a Tart that is not exactly our simulator's build.

The contract is tart-cli.md, not tart-sim's quirks: a Tart (or stand-in) without the hidden
`fqn` command, or one that says "does not exist" with another exit code, must give the same
API answers.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.integration

IMAGE = "ghcr.io/cirruslabs/debian:latest"


def test_pulled_tags_fold_their_digest_without_tart_fqn(server_factory) -> None:  # type: ignore[no-untyped-def]
    unknown = "Error: Unexpected argument 'fqn'\nUsage: tart <subcommand>\n"
    server = server_factory(env_overrides={"TART_SIM_FAIL": f"fqn:64:{unknown}"}).start()
    assert server.tart("fqn", IMAGE, check=False).returncode == 64
    server.tart("pull", IMAGE)
    digest = server.tart("list", "--quiet").stdout.split()[-1]
    assert "@sha256:" in digest
    with server.client() as client:
        listed = client.post("/api/vms/refresh").json()
        assert [vm["name"] for vm in listed] == [IMAGE]
        assert listed[0]["digest"] == digest.split("@", 1)[1]
        categorized = client.get("/api/vms/categorized").json()
        assert [vm["name"] for vm in categorized["base_images"]] == [IMAGE]

        # the digest name is still one Tart knows: found, under its own name
        for path in (digest, quote(digest, safe="")):
            response = client.get(f"/api/vms/{path}")
            assert response.status_code == 200, response.text
            assert response.json()["name"] == digest
            assert response.json()["kind"] == "base_image"
        response = client.post(f"/api/vms/{digest}/clone", json={"new_name": "from-digest"})
        assert response.status_code == 200, response.text
        task = server.wait_task(response.json()["id"])
        assert task["status"] == "completed", task
        assert task["command"][-2:] == [digest, "from-digest"]
        assert client.get("/api/vms/from-digest").json()["source"] == "local"


def test_does_not_exist_with_another_exit_code_is_404(server_factory) -> None:  # type: ignore[no-untyped-def]
    failing = 'get:1:the specified VM "gone" does not exist'
    server = server_factory(env_overrides={"TART_SIM_FAIL": failing}).start()
    server.tart("create", "gone", "--linux")
    with server.client() as client:
        assert client.post("/api/vms/refresh").status_code == 200
        # asked of tart (the files would answer a plain GET without it)
        response = client.get("/api/vms/gone/config", params={"force_refresh": "true"})
        assert response.status_code == 404, response.text
