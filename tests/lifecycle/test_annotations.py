"""Notes, labels and the SSH user through the real server and tart-sim."""

from __future__ import annotations

import pytest

from tests.lifecycle.conftest import Lab

pytestmark = pytest.mark.integration


def _listed(lab: Lab, name: str) -> dict[str, object]:
    return next(vm for vm in lab.get("/api/vms") if vm["name"] == name)


def test_notes_and_labels_reach_the_inventory_and_follow_the_vm(lab: Lab) -> None:
    lab.seed("ci-runner")
    lab.post("/api/vms/refresh")
    assert lab.get("/api/vms/ci-runner/annotations") == {
        "notes": "",
        "labels": [],
        "ssh_user": None,
    }
    body = {"notes": "# Runner\nXcode **16**", "labels": ["ci", "team=ios", "ci"]}
    saved = lab.request("PATCH", "/api/vms/ci-runner/annotations", body).json()
    assert saved["labels"] == ["ci", "team=ios"]  # once each, in order
    listed = _listed(lab, "ci-runner")
    assert (listed["labels"], listed["notes"]) == (["ci", "team=ios"], body["notes"])

    # A field left out is kept; the SSH user is remembered; "" puts the default back.
    lab.request("PATCH", "/api/vms/ci-runner/annotations", {"ssh_user": "runner"})
    assert lab.get("/api/vms/ci-runner/annotations")["labels"] == ["ci", "team=ios"]
    assert _listed(lab, "ci-runner")["ssh_user"] == "runner"
    lab.request("PATCH", "/api/vms/ci-runner/annotations", {"ssh_user": ""})
    assert _listed(lab, "ci-runner")["ssh_user"] is None

    # Kept across a rename, gone with the VM.
    lab.act("/api/vms/ci-runner/rename", {"new_name": "ios-runner"})
    assert _listed(lab, "ios-runner")["labels"] == ["ci", "team=ios"]
    lab.act("/api/vms/ios-runner/delete")
    lab.seed("ios-runner")
    lab.post("/api/vms/refresh")
    assert _listed(lab, "ios-runner")["labels"] == []
    assert lab.get("/api/vms/ios-runner/annotations")["notes"] == ""


def test_bad_annotations_are_refused(lab: Lab) -> None:
    lab.seed("vm")
    for body in (
        {"labels": ["has space"]},
        {"labels": ["=value"]},
        {"labels": ["key=line\nbreak"]},
        {"ssh_user": "-oProxyCommand=x"},
        {"notes": "x" * 8001},
        {"labels": [f"l{i}" for i in range(33)]},
    ):
        response = lab.request("PATCH", "/api/vms/vm/annotations", body)
        assert response.status_code == 422, (body, response.text)
    assert lab.request("PATCH", "/api/vms/ghost/annotations", {"notes": "x"}).status_code == 404
    assert lab.request("GET", "/api/vms/ghost/annotations").status_code == 404


def test_annotations_survive_a_restart(lab: Lab) -> None:
    lab.seed("keep")
    lab.request("PATCH", "/api/vms/keep/annotations", {"labels": ["golden"], "notes": "n"})
    lab.server.stop()
    lab.server.start()
    lab.post("/api/vms/refresh")
    assert _listed(lab, "keep")["labels"] == ["golden"]
