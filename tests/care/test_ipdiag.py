"""The IP doctor: one sentence on why a running VM has no IP, and the resolver per VM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taartenfabriek.care.ipdiag import (
    IPDoctor,
    ResolverStore,
    diagnose,
    effective_resolver,
    network_mode,
)
from taartenfabriek.care.runlogs import RunLogs
from taartenfabriek.core.models import VM

BRIDGED = ["--net-bridged", "en0", "--no-graphics"]


def test_network_mode_and_automatic_resolver() -> None:
    assert network_mode(["--no-graphics"]) == "shared"
    assert network_mode(BRIDGED) == "bridged"
    assert network_mode(["--net-bridged=en0"]) == "bridged"
    assert network_mode(["--net-softnet-allow", "10.0.0.0/8"]) == "softnet"
    assert effective_resolver(None, None) == "dhcp"
    assert effective_resolver(None, BRIDGED) == "arp"
    assert effective_resolver("dhcp", BRIDGED) == "dhcp"  # an explicit choice wins
    assert effective_resolver("agent", None) == "agent"


def test_still_booting() -> None:
    text = diagnose(resolver="dhcp", since_start=12, flags=[], os_name="darwin", ip_error=None)
    assert text.startswith("still booting: started 12 s ago")


def test_bridged_needs_arp() -> None:
    text = diagnose(resolver="dhcp", since_start=5, flags=BRIDGED, os_name="darwin", ip_error="")
    assert "bridged networking" in text and "arp resolver" in text


def test_agent_missing() -> None:
    error = (
        "no IP address found (also make sure that Guest agent for Tart is running inside of a VM)"
    )
    booting = diagnose(resolver="agent", since_start=5, flags=[], os_name="darwin", ip_error=error)
    assert booting.startswith("still booting") and "Guest Agent" in booting
    late = diagnose(resolver="agent", since_start=500, flags=[], os_name="darwin", ip_error=error)
    assert "Tart Guest Agent" in late and "not answering" in late and "tart ip:" in late


def test_after_the_grace_period() -> None:
    linux = diagnose(resolver="dhcp", since_start=300, flags=[], os_name="linux", ip_error="x")
    assert "DUID" in linux and "arp or agent" in linux
    arp = diagnose(resolver="arp", since_start=300, flags=[], os_name="linux", ip_error="x")
    assert "sent traffic" in arp and "not all Linux" in arp
    mac = diagnose(resolver="dhcp", since_start=300, flags=[], os_name="darwin", ip_error="x")
    assert mac.startswith("no IP address 300 s after start")
    outside = diagnose(resolver="dhcp", since_start=None, flags=None, os_name=None, ip_error="")
    assert "outside this app" in outside
    short = diagnose(
        resolver="dhcp", since_start=5, flags=[], os_name="darwin", ip_error="", grace=1
    )
    assert short.startswith("no IP address 5 s after start")


def test_resolver_store_persists_choices(tmp_path: Path) -> None:
    path = tmp_path / "ip-resolvers.json"
    store = ResolverStore(path)
    store.set("Dev", "arp")
    assert ResolverStore(path).get("dev") == "arp"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    store.set("dev", "dhcp")
    assert json.loads(path.read_text()) == {"dev": "dhcp"}
    store.set("dev", None)
    assert ResolverStore(path).get("dev") is None
    path.write_text('{"x": "bogus", "y": "agent"}')
    assert ResolverStore(path).get("x") is None and ResolverStore(path).get("y") == "agent"
    path.write_text("not json")
    assert ResolverStore(path).get("y") is None


@pytest.fixture
def stand_in() -> Iterator[subprocess.Popen[bytes]]:
    """A live process whose argv ends like `tart run ... bridged` stands in for it."""
    code = "import time; time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", code, "run", *BRIDGED, "bridged"])
    yield child
    child.kill()
    child.wait()


def test_doctor_decorates_running_vms_without_ip(
    tmp_path: Path, stand_in: subprocess.Popen[bytes]
) -> None:
    runlogs = RunLogs(tmp_path / "runs")
    log = runlogs.new_run("bridged", ["tart", "run", *BRIDGED, "bridged"])
    runlogs.record_pid(log, stand_in.pid)
    ended = runlogs.new_run("gone", ["tart", "run", *BRIDGED, "gone"])
    runlogs.record_pid(ended, os.getpid())
    runlogs.record_exit(ended, 0)
    store = ResolverStore(tmp_path / "r.json")
    doctor = IPDoctor(store, runlogs, {"bridged": "no IP address found"}.get)

    vm = doctor.decorate(VM(name="bridged", status="running", state="running", os="darwin"))
    assert vm.ip_resolver == "arp" and vm.started_at is not None
    assert vm.ip_diagnosis is not None and vm.ip_diagnosis.startswith("still booting")
    assert doctor.resolver_arg("bridged") == "arp"

    store.set("bridged", "dhcp")
    vm = doctor.decorate(vm)
    assert vm.ip_resolver == "dhcp" and "bridged networking" in (vm.ip_diagnosis or "")
    assert doctor.resolver_arg("bridged") is None  # Tart's default stays off the argv

    with_ip = doctor.decorate(vm.model_copy(update={"ip_address": "192.168.64.9"}))
    assert with_ip.ip_diagnosis is None
    stopped = doctor.decorate(vm.model_copy(update={"status": "stopped"}))
    assert stopped.ip_diagnosis is None and stopped.started_at is None
    gone = doctor.decorate(VM(name="gone", status="running", state="running"))
    assert gone.ip_resolver == "dhcp" and "outside this app" in (gone.ip_diagnosis or "")
    image = VM(name="ghcr.io/a/b:1", status="stopped", kind="base_image")
    assert doctor.decorate(image) == image
