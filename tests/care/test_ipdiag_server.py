"""Why a running VM has no IP yet: in the start task's result and logs, and in the inventory;
and the per-VM `tart ip --resolver`, persisted under the state folder."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server import ServerProcess

seed = pytest.importorskip("taartenfabriek.sim.seed", reason="needs tart-sim (branch sim)")
pytestmark = pytest.mark.integration


def _start(server: ServerProcess, client: Any, name: str) -> dict[str, Any]:
    response = client.post(f"/api/vms/{name}/start")
    assert response.status_code == 200, response.text
    done = server.wait_task(response.json()["id"])
    assert done["status"] == "completed", done
    return done


def test_still_booting(care_server: Any) -> None:
    server = care_server(env={"TART_SIM_BOOT_SECONDS": "60", "TARTVM_START_IP_TIMEOUT": "1"})
    seed.seed_vm(server.tart_home, "slow", os_name="darwin")
    server.start()
    with server.client() as client:
        done = _start(server, client, "slow")
        result = done["result"]
        assert result["ip_address"] is None
        assert result["ip_diagnosis"].startswith("still booting: started ")
        assert "10-40 s after start" in result["ip_diagnosis"]
        assert any(line.startswith("no IP address yet: still booting") for line in done["logs"])
        (vm,) = [v for v in client.post("/api/vms/refresh").json() if v["name"] == "slow"]
        assert vm["status"] == "running" and vm["ip_address"] is None
        assert vm["ip_diagnosis"].startswith("still booting")
        assert vm["ip_resolver"] == "dhcp" and vm["started_at"] is not None


def test_each_diagnosis_after_the_boot_grace(care_server: Any) -> None:
    server = care_server(
        env={
            "TARTVM_START_IP_TIMEOUT": "1.5",
            "TARTVM_IP_BOOT_GRACE": "0.5",
            "TART_SIM_NO_IP": "tux,mute",
            "TART_SIM_NO_AGENT": "agentless",
        }
    )
    seed.seed_vm(server.tart_home, "tux", os_name="linux")
    seed.seed_vm(server.tart_home, "mute", os_name="darwin")
    seed.seed_vm(server.tart_home, "agentless", os_name="darwin")
    seed.seed_vm(server.tart_home, "agentful", os_name="linux")
    server.start()
    with server.client() as client:
        # DHCP and a Linux guest: the DUID quirk
        diagnosis = _start(server, client, "tux")["result"]["ip_diagnosis"]
        assert "no DHCP lease for the guest's MAC address" in diagnosis and "DUID" in diagnosis

        # a macOS guest that never gets an address
        diagnosis = _start(server, client, "mute")["result"]["ip_diagnosis"]
        assert diagnosis.startswith("no IP address ") and "after start" in diagnosis

        # the agent resolver with no Tart Guest Agent in the guest
        put = client.put("/api/vms/agentless/ip-resolver", json={"resolver": "agent"})
        assert put.status_code == 200 and put.json()["chosen"] == "agent"
        diagnosis = _start(server, client, "agentless")["result"]["ip_diagnosis"]
        assert "Tart Guest Agent" in diagnosis and "not answering" in diagnosis
        assert "Guest agent for Tart is running" in diagnosis  # tart ip's own words

        # the agent resolver with an agent: the address comes through it
        client.put("/api/vms/agentful/ip-resolver", json={"resolver": "agent"})
        result = _start(server, client, "agentful")["result"]
        assert result["ip_address"] and "ip_diagnosis" not in result

        # the arp resolver on a guest that is silent on the network
        client.put("/api/vms/tux/ip-resolver", json={"resolver": "arp"})
        vms = {vm["name"]: vm for vm in client.post("/api/vms/refresh").json()}
        assert "arp resolver only finds the guest" in vms["tux"]["ip_diagnosis"]
        assert "not all Linux distributions" in vms["tux"]["ip_diagnosis"]
        assert vms["agentless"]["ip_resolver"] == "agent"
        assert vms["agentful"]["ip_diagnosis"] is None and vms["agentful"]["ip_address"]
        state = client.get("/api/vms/tux/ip-resolver").json()
        assert state == {
            "vm": "tux",
            "resolver": "arp",
            "chosen": "arp",
            "ip_diagnosis": vms["tux"]["ip_diagnosis"],
        }


def test_resolver_choice_is_validated_and_persisted(care_server: Any) -> None:
    server = care_server()
    seed.seed_vm(server.tart_home, "dev", os_name="linux")
    seed.seed_image(server.tart_home, "ghcr.io/cirruslabs/ubuntu:latest")
    server.start()
    with server.client() as client:
        assert client.get("/api/vms/dev/ip-resolver").json()["chosen"] is None
        bad = client.put("/api/vms/dev/ip-resolver", json={"resolver": "mdns"})
        assert bad.status_code == 422
        assert client.put("/api/vms/ghost/ip-resolver", json={"resolver": "arp"}).status_code == (
            404
        )
        image = client.put(
            "/api/vms/ghcr.io/cirruslabs/ubuntu:latest/ip-resolver", json={"resolver": "arp"}
        )
        assert image.status_code == 409
        answer = client.put("/api/vms/DEV/ip-resolver", json={"resolver": "arp"}).json()
        assert answer["vm"] == "dev" and answer["resolver"] == "arp"
        assert client.get("/api/vms/dev").json()["ip_resolver"] == "arp"
    server.stop()
    server.start()
    with server.client() as client:
        assert client.get("/api/vms/dev/ip-resolver").json()["chosen"] == "arp"
        reset = client.put("/api/vms/dev/ip-resolver", json={"resolver": None}).json()
        assert reset["chosen"] is None and reset["resolver"] == "dhcp"


def _start_with(server: ServerProcess, client: Any, name: str, options: dict[str, Any]) -> Any:
    response = client.post(f"/api/vms/{name}/start", json=options)
    assert response.status_code == 200, response.text
    done = server.wait_task(response.json()["id"])
    assert done["status"] == "completed", done
    return done


def test_bridged_and_softnet_runs(care_server: Any) -> None:
    """Bridged networking: the lease is on the LAN's DHCP server, so `arp` is chosen for it
    automatically, and a forced `dhcp` is explained; Softnet is the reverse."""
    server = care_server(env={"TARTVM_START_IP_TIMEOUT": "1.5", "TARTVM_IP_BOOT_GRACE": "0.5"})
    seed.seed_vm(server.tart_home, "lan", os_name="darwin")
    seed.seed_vm(server.tart_home, "soft", os_name="linux")
    server.start()
    bridged = {"network": "bridged", "bridged_interface": "en0"}
    with server.client() as client:
        # automatic: a bridged run is looked up with arp, which finds it
        done = _start_with(server, client, "lan", bridged)
        assert done["command"][-3:] == ["--net-bridged", "en0", "lan"]
        assert done["result"]["ip_address"] and "ip_diagnosis" not in done["result"]
        vm = client.get("/api/vms/lan").json()
        assert vm["ip_resolver"] == "arp" and vm["ip_diagnosis"] is None

        # dhcp forced on a bridged run: no address, and the reason
        state = client.put("/api/vms/lan/ip-resolver", json={"resolver": "dhcp"}).json()
        assert state["chosen"] == "dhcp" and state["resolver"] == "dhcp"
        vms = {v["name"]: v for v in client.post("/api/vms/refresh").json()}
        assert vms["lan"]["status"] == "running" and vms["lan"]["ip_address"] is None
        diagnosis = vms["lan"]["ip_diagnosis"]
        assert "bridged networking" in diagnosis and "use the arp resolver" in diagnosis
        assert client.get("/api/vms/lan/ip-resolver").json()["ip_diagnosis"] == diagnosis

        # the same at a start: in the result and in the task's log
        stop = client.post("/api/vms/lan/stop").json()
        assert server.wait_task(stop["id"])["status"] == "completed"
        done = _start_with(server, client, "lan", {})  # the bridged options were remembered
        assert "--net-bridged" in done["command"]
        assert done["result"]["ip_address"] is None
        assert done["result"]["ip_diagnosis"] == diagnosis
        assert f"no IP address yet: {diagnosis}" in done["logs"]

        # back to automatic: arp again, and the address is found
        client.put("/api/vms/lan/ip-resolver", json={"resolver": None})
        vms = {v["name"]: v for v in client.post("/api/vms/refresh").json()}
        assert vms["lan"]["ip_address"] and vms["lan"]["ip_diagnosis"] is None

        # Softnet: dhcp works, arp does not, and says so
        done = _start_with(server, client, "soft", {"network": "softnet"})
        assert "--net-softnet" in done["command"] and done["result"]["ip_address"]
        client.put("/api/vms/soft/ip-resolver", json={"resolver": "arp"})
        vms = {v["name"]: v for v in client.post("/api/vms/refresh").json()}
        assert vms["soft"]["ip_address"] is None
        assert "arp resolver does not work with Softnet" in vms["soft"]["ip_diagnosis"]
